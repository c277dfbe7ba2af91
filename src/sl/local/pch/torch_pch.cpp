// Anchor translation unit for the shared precompiled libtorch header.
#include <torch/torch.h>

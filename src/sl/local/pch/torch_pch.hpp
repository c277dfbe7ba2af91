// Precompiled once for every libtorch target (see src/sl/local/CMakeLists.txt).
#pragma once
#include <torch/torch.h>

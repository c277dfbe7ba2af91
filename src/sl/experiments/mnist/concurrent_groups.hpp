// Runs the experiment's model groups side by side, one thread each.
//
// On the CPU every worker is single-threaded and owns its own group of models. Models are
// independent, so workers never synchronise, where splitting every operation over the cores
// would synchronise dozens of times per step (and suffer badly whenever another process holds a
// core). On a GPU there is one worker with every model.
#pragma once

#include <vector>

#include "model_group.hpp"
#include "sl/core/progress.hpp"

namespace sl::mnist {

// Splits the N models into `workers` contiguous groups (sizes differing by at most one), runs
// run_model_group for each on its own thread, and returns the groups' results in model order.
// `progress` counts model-steps. When a worker fails the others stop at their next step and the
// first failure is rethrown.
std::vector<GroupResult> run_groups_concurrently(const GroupInputs& in, int64_t workers, bool single_threaded,
                                                 Progress& progress);

}  // namespace sl::mnist

// Applies a dataset config's filters to completions. Each filter adds its reasons (in filter
// order); a row passes when no filter gives a reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sl/datasets/data_models.hpp"

namespace sl::datasets {

// Reasons `completion` is rejected by `filter` (empty = accepted).
std::vector<std::string> reject_reasons(const FilterSpec& filter, std::string_view completion);

// All filters' reasons, concatenated in filter order.
std::vector<std::string> reject_reasons(const std::vector<FilterSpec>& filters, std::string_view completion);

}  // namespace sl::datasets

// The "pattern" member of Split / Replace components: {"String": "..."} matches literally,
// {"Regex": "..."} is an Oniguruma pattern (translated for PCRE2, see regex.hpp).
#pragma once

#include <string>

#include "json_access.hpp"

namespace sl::local {

std::string pattern_to_pcre2(const tokjson::Node& pattern);

}  // namespace sl::local

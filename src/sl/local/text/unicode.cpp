// Normalization follows UAX #15: full decomposition (canonical or compatibility), canonical
// ordering of combining marks, then canonical composition for the C/KC forms. Hangul syllables
// are (de)composed arithmetically (Unicode section 3.12) instead of through the tables.
#include "sl/local/text/unicode.hpp"

#include <algorithm>

#include "sl/local/text/utf8.hpp"
#include "unicode_tables.hpp"

namespace sl::local::unicode {

namespace data = unicode_data;

namespace {

constexpr char32_t kHangulS = 0xAC00, kHangulL = 0x1100, kHangulV = 0x1161, kHangulT = 0x11A7;
constexpr char32_t kHangulLCount = 19, kHangulVCount = 21, kHangulTCount = 28;
constexpr char32_t kHangulNCount = kHangulVCount * kHangulTCount;
constexpr char32_t kHangulSCount = kHangulLCount * kHangulNCount;

const data::CodepointRange* find_range(const data::CodepointRange* table, std::size_t size, char32_t cp) {
  const auto* end = table + size;
  const auto* it =
      std::lower_bound(table, end, cp, [](const data::CodepointRange& r, char32_t c) { return r.last < c; });
  return (it != end && it->first <= cp) ? it : nullptr;
}

std::uint32_t range_value(const data::CodepointRange* table, std::size_t size, char32_t cp) {
  const auto* r = find_range(table, size, cp);
  return r ? r->value : 0;
}

const data::CodepointMapping* find_mapping(const data::CodepointMapping* table, std::size_t size, char32_t cp) {
  const auto* end = table + size;
  const auto* it =
      std::lower_bound(table, end, cp, [](const data::CodepointMapping& m, char32_t c) { return m.codepoint < c; });
  return (it != end && it->codepoint == cp) ? it : nullptr;
}

void decompose(char32_t cp, bool compat, std::u32string& out) {
  if (cp >= kHangulS && cp < kHangulS + kHangulSCount) {
    char32_t s = cp - kHangulS;
    out.push_back(kHangulL + s / kHangulNCount);
    out.push_back(kHangulV + (s % kHangulNCount) / kHangulTCount);
    if (s % kHangulTCount != 0) out.push_back(kHangulT + s % kHangulTCount);
    return;
  }
  if (cp >= 0xA0) {  // nothing below U+00A0 has a decomposition
    const auto* m = find_mapping(data::kDecomposition, data::kDecomposition_size, cp);
    if (m && (compat || !range_value(data::kDecompositionIsCompat, data::kDecompositionIsCompat_size, cp))) {
      for (std::uint32_t i = 0; i < m->length; ++i) decompose(data::kDecomposition_pool[m->offset + i], compat, out);
      return;
    }
  }
  out.push_back(cp);
}

// Stable sort of each run of non-starters by combining class (the canonical ordering algorithm).
void canonical_order(std::u32string& cps) {
  std::size_t i = 0;
  while (i < cps.size()) {
    if (combining_class(cps[i]) == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < cps.size() && combining_class(cps[j]) != 0) ++j;
    std::stable_sort(cps.begin() + static_cast<std::ptrdiff_t>(i), cps.begin() + static_cast<std::ptrdiff_t>(j),
                     [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
    i = j;
  }
}

char32_t compose_pair(char32_t a, char32_t b) {
  if (a >= kHangulL && a < kHangulL + kHangulLCount && b >= kHangulV && b < kHangulV + kHangulVCount)
    return kHangulS + ((a - kHangulL) * kHangulVCount + (b - kHangulV)) * kHangulTCount;
  if (a >= kHangulS && a < kHangulS + kHangulSCount && (a - kHangulS) % kHangulTCount == 0 && b > kHangulT &&
      b < kHangulT + kHangulTCount)
    return a + (b - kHangulT);
  const auto* begin = data::kCompositionPairs;
  const auto* end = begin + data::kCompositionPairs_size;
  const auto* it = std::lower_bound(begin, end, std::pair{a, b},
                                    [](const data::CompositionPair& p, std::pair<char32_t, char32_t> key) {
                                      return p.first < key.first || (p.first == key.first && p.second < key.second);
                                    });
  return (it != end && it->first == a && it->second == b) ? it->composite : 0;
}

// Canonical composition: each character that is not blocked from the last starter and forms a
// primary composite with it replaces that starter.
void compose(std::u32string& cps) {
  std::u32string out;
  out.reserve(cps.size());
  std::size_t starter = std::u32string::npos;
  for (char32_t c : cps) {
    std::uint8_t ccc = combining_class(c);
    if (starter != std::u32string::npos) {
      bool adjacent = out.size() - 1 == starter;
      if (adjacent || combining_class(out.back()) < ccc) {
        if (char32_t composite = compose_pair(out[starter], c)) {
          out[starter] = composite;
          continue;
        }
      }
    }
    if (ccc == 0) starter = out.size();
    out.push_back(c);
  }
  cps.swap(out);
}

// UAX #15 quick check for NFC: true means "certainly already NFC".
bool is_nfc_quick(std::string_view text) {
  std::uint8_t last_ccc = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      last_ccc = 0;
      ++i;
      continue;
    }
    std::size_t n = utf8::valid_sequence_length(text, i);
    if (n == 0) return false;  // let the full path report it
    char32_t cp = utf8::decode_at(text, i, n);
    i += n;
    if (cp < 0x300) {
      last_ccc = 0;
      continue;
    }
    std::uint8_t ccc = combining_class(cp);
    if (ccc != 0 && last_ccc > ccc) return false;
    if (range_value(data::kNfcQuickCheck, data::kNfcQuickCheck_size, cp) != 0) return false;
    last_ccc = ccc;
  }
  return true;
}

bool is_ascii(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string map_case(std::string_view text, const data::CaseRun* runs, std::size_t runs_size,
                     const data::CodepointMapping* multi, std::size_t multi_size, const std::uint32_t* pool) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : utf8::decode(text)) {
    if (const auto* m = find_mapping(multi, multi_size, cp)) {
      for (std::uint32_t i = 0; i < m->length; ++i) utf8::append(out, pool[m->offset + i]);
      continue;
    }
    const auto* end = runs + runs_size;
    const auto* it = std::lower_bound(runs, end, cp, [](const data::CaseRun& r, char32_t c) { return r.last < c; });
    if (it != end && it->first <= cp && (cp - it->first) % it->stride == 0)
      utf8::append(out, static_cast<char32_t>(static_cast<std::int64_t>(cp) + it->delta));
    else utf8::append(out, cp);
  }
  return out;
}

}  // namespace

std::uint8_t combining_class(char32_t cp) {
  if (cp < 0x300) return 0;
  return static_cast<std::uint8_t>(range_value(data::kCombiningClass, data::kCombiningClass_size, cp));
}

bool is_normalized_quick(std::string_view text, NormalizationForm form) {
  if (is_ascii(text)) return true;
  return form == NormalizationForm::NFC && is_nfc_quick(text);
}

std::string normalize(std::string_view text, NormalizationForm form) {
  if (is_normalized_quick(text, form)) return std::string(text);
  const bool compat = form == NormalizationForm::NFKC || form == NormalizationForm::NFKD;
  std::u32string cps;
  cps.reserve(text.size());
  for (char32_t cp : utf8::decode(text)) decompose(cp, compat, cps);
  canonical_order(cps);
  if (form == NormalizationForm::NFC || form == NormalizationForm::NFKC) compose(cps);
  return utf8::encode(cps);
}

std::string to_lower(std::string_view text) {
  return map_case(text, data::kLowercaseRuns, data::kLowercaseRuns_size, data::kLowercaseMulti,
                  data::kLowercaseMulti_size, data::kLowercaseMulti_pool);
}

std::string to_upper(std::string_view text) {
  return map_case(text, data::kUppercaseRuns, data::kUppercaseRuns_size, data::kUppercaseMulti,
                  data::kUppercaseMulti_size, data::kUppercaseMulti_pool);
}

bool is_white_space(char32_t cp) {
  switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_python_space(char32_t cp) {
  return range_value(data::kPythonWhitespace, data::kPythonWhitespace_size, cp) != 0;
}

const char* unicode_version() { return data::kUnicodeVersion; }

}  // namespace sl::local::unicode

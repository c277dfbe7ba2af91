// UTF-8 handling, the byte-level alphabet and Unicode normalization / case mapping.
#include "sl/local/text/unicode.hpp"

#include <gtest/gtest.h>

#include "sl/core/error.hpp"
#include "sl/local/text/byte_level.hpp"
#include "sl/local/text/utf8.hpp"

namespace sl::local {
namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (int b : list) s.push_back(static_cast<char>(b));
  return s;
}

const std::string kFFFD = "\xEF\xBF\xBD";

TEST(Utf8, LossyConversionReplacesEachMaximalInvalidSubsequence) {
  // Vectors in the manner of Rust's String::from_utf8_lossy (Unicode's "maximal subparts").
  EXPECT_EQ(utf8::to_valid_lossy("plain ascii"), "plain ascii");
  EXPECT_EQ(utf8::to_valid_lossy(bytes({0xF0, 0x9F, 0x98})), kFFFD);                  // truncated emoji: one
  EXPECT_EQ(utf8::to_valid_lossy(bytes({0xF0, 0x9F, 0x98, 0x41})), kFFFD + "A");      // broken then ASCII
  EXPECT_EQ(utf8::to_valid_lossy(bytes({0x80, 0x80})), kFFFD + kFFFD);                // stray continuations
  EXPECT_EQ(utf8::to_valid_lossy(bytes({0xC0, 0xAF})), kFFFD + kFFFD);                // overlong '/'
  EXPECT_EQ(utf8::to_valid_lossy(bytes({0xED, 0xA0, 0x80})), kFFFD + kFFFD + kFFFD);  // surrogate
  EXPECT_EQ(utf8::to_valid_lossy(bytes({0xE2, 0x82})), kFFFD);
  EXPECT_EQ(utf8::to_valid_lossy(bytes({0xF4, 0x90, 0x80, 0x80})), kFFFD + kFFFD + kFFFD + kFFFD);  // > U+10FFFF
  EXPECT_EQ(utf8::to_valid_lossy(bytes({0xF0, 0x9F, 0x98, 0x80})), "\U0001F600");
  EXPECT_EQ(utf8::to_valid_lossy(bytes({0xFF, 0x61})), kFFFD + "a");
}

TEST(Utf8, IncompleteSuffixIsOnlyAPrefixThatCanStillComplete) {
  EXPECT_EQ(utf8::incomplete_suffix_length(""), 0u);
  EXPECT_EQ(utf8::incomplete_suffix_length("abc"), 0u);
  EXPECT_EQ(utf8::incomplete_suffix_length("a" + bytes({0xF0, 0x9F, 0x98})), 3u);
  EXPECT_EQ(utf8::incomplete_suffix_length(bytes({0xF0, 0x9F})), 2u);
  EXPECT_EQ(utf8::incomplete_suffix_length(bytes({0xE2})), 1u);
  EXPECT_EQ(utf8::incomplete_suffix_length(bytes({0xED, 0xA0})), 0u);  // would be a surrogate
  EXPECT_EQ(utf8::incomplete_suffix_length(bytes({0x80})), 0u);
  EXPECT_EQ(utf8::incomplete_suffix_length(bytes({0xF0, 0x9F, 0x98, 0x80})), 0u);  // complete
}

TEST(Utf8, DecodeRejectsInvalidInputWithTheOffset) {
  EXPECT_EQ(utf8::decode("h\xC3\xA9"), U"h\u00E9");
  try {
    utf8::decode("ab" + bytes({0xC3}), "the text");
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 2"), std::string::npos) << e.what();
  }
}

TEST(ByteLevel, Gpt2Alphabet) {
  EXPECT_EQ(byte_level::char_for_byte(' '), U'\u0120');   // Ġ
  EXPECT_EQ(byte_level::char_for_byte('\n'), U'\u010A');  // Ċ
  EXPECT_EQ(byte_level::char_for_byte('\t'), U'\u0109');  // ĉ
  EXPECT_EQ(byte_level::char_for_byte('\r'), U'\u010D');  // č
  EXPECT_EQ(byte_level::char_for_byte(0), U'\u0100');
  EXPECT_EQ(byte_level::char_for_byte('!'), U'!');
  EXPECT_EQ(byte_level::char_for_byte('~'), U'~');
  EXPECT_EQ(byte_level::char_for_byte(0xA1), U'\u00A1');
  EXPECT_EQ(byte_level::char_for_byte(0xAD), U'\u0143');  // soft hyphen is the last remapped byte
  EXPECT_EQ(byte_level::char_for_byte(0xFF), U'\u00FF');
  for (int b = 0; b < 256; ++b) {
    auto back = byte_level::byte_for_char(byte_level::char_for_byte(static_cast<std::uint8_t>(b)));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, b);
  }
  EXPECT_EQ(byte_level::encode(" hi\n"), "\xC4\xA0hi\xC4\x8A");
  EXPECT_EQ(byte_level::decode("\xC4\xA0hi"), std::optional<std::string>(" hi"));
  EXPECT_FALSE(byte_level::decode("\xE4\xBD\xA0").has_value());  // 你 is not in the alphabet
}

TEST(Unicode, NfcComposesAndReorders) {
  using F = unicode::NormalizationForm;
  EXPECT_EQ(unicode::normalize("cafe\u0301", F::NFC), "caf\u00E9");
  EXPECT_EQ(unicode::normalize("\u212B", F::NFC), "\u00C5");              // Angstrom sign -> Å
  EXPECT_EQ(unicode::normalize("\uF900", F::NFC), "\u8C48");              // CJK compatibility ideograph
  EXPECT_EQ(unicode::normalize("\u1100\u1161\u11A8", F::NFC), "\uAC01");  // Hangul jamo -> syllable
  EXPECT_EQ(unicode::normalize("\uAC00\u11A8", F::NFC), "\uAC01");        // LV + T
  // Combining marks are put in canonical order (dot below, ccc 220, before circumflex, 230).
  EXPECT_EQ(unicode::normalize("a\u0302\u0323", F::NFC), "\u1EAD");
  EXPECT_EQ(unicode::normalize("e\u0301\u0301", F::NFC), "\u00E9\u0301");  // second mark is blocked
  EXPECT_EQ(unicode::normalize("\u0344", F::NFC), "\u0308\u0301");         // excluded from composition
  EXPECT_EQ(unicode::normalize("plain ascii", F::NFC), "plain ascii");
  EXPECT_EQ(unicode::normalize("already \u00E9 \u4F60", F::NFC), "already \u00E9 \u4F60");
}

TEST(Unicode, OtherForms) {
  using F = unicode::NormalizationForm;
  EXPECT_EQ(unicode::normalize("\u00E9", F::NFD), "e\u0301");
  EXPECT_EQ(unicode::normalize("\uAC01", F::NFD), "\u1100\u1161\u11A8");
  EXPECT_EQ(unicode::normalize("\uFB01", F::NFD), "\uFB01");  // ligature: compatibility only
  EXPECT_EQ(unicode::normalize("\uFB01", F::NFKD), "fi");
  EXPECT_EQ(unicode::normalize("\u2460", F::NFKC), "1");
  EXPECT_EQ(unicode::normalize("\u1E9B\u0323", F::NFKC), "\u1E69");  // UAX #15's example
  EXPECT_EQ(unicode::normalize("\u1E9B\u0323", F::NFC), "\u1E9B\u0323");
}

TEST(Unicode, CaseMappingsAndWhitespace) {
  EXPECT_EQ(unicode::to_lower("HeLLo \u00C9\u0391\u03A3"), "hello \u00E9\u03B1\u03C3");
  EXPECT_EQ(unicode::to_upper("stra\u00DFe \u01C6"), "STRASSE \u01C4");
  EXPECT_EQ(unicode::to_lower("\u0130"), "i\u0307");  // full mapping, as Python and Rust do
  EXPECT_TRUE(unicode::is_white_space(0x85));
  EXPECT_TRUE(unicode::is_white_space(0x3000));
  EXPECT_FALSE(unicode::is_white_space(0x1F));
  EXPECT_FALSE(unicode::is_white_space(0x180E));
  EXPECT_FALSE(unicode::is_white_space(0xFEFF));
  EXPECT_TRUE(unicode::is_python_space(0x1F));  // Python's str.isspace() differs here
  EXPECT_FALSE(unicode::is_python_space(0xFEFF));
  EXPECT_STREQ(unicode::unicode_version(), "14.0.0");
}

}  // namespace
}  // namespace sl::local

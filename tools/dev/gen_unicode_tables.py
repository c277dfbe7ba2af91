#!/usr/bin/env python3
"""Generates src/sl/local/text/unicode_tables.cpp from Python's `unicodedata`.

The tokenizer needs Unicode normalization (NFC for Qwen, NFD/NFKC/NFKD for other tokenizer.json
files), per-character lower/upper case mappings (the Lowercase normalizer, Jinja's lower/upper
filters) and Python's notion of whitespace (str.strip in chat templates). ICU is not an allowed
dependency, so the facts come from the Unicode Character Database as shipped with Python.

Usage (from the repository root):
    python3 tools/dev/gen_unicode_tables.py > src/sl/local/text/unicode_tables.cpp

The output states the Unicode version; regenerate with a newer Python to move to a newer Unicode.
Hangul syllables are not listed: they decompose and compose algorithmically (Unicode ch. 3.12).
"""
import sys
import unicodedata as ud

HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
MAX_CP = 0x110000


def chars():
    for cp in range(MAX_CP):
        if 0xD800 <= cp <= 0xDFFF:
            continue  # surrogates never occur in valid UTF-8
        yield cp


def is_hangul_syllable(cp):
    return HANGUL_FIRST <= cp <= HANGUL_LAST


def ranges_of(pairs):
    """[(cp, value)] sorted by cp -> [(first, last, value)] merging runs of equal values."""
    out = []
    for cp, value in pairs:
        if out and out[-1][1] == cp - 1 and out[-1][2] == value:
            out[-1][1] = cp
        else:
            out.append([cp, cp, value])
    return out


def emit_ranges(name, ranges, comment):
    print(f"// {comment}")
    print(f"const CodepointRange {name}[] = {{")
    line = "   "
    for first, last, value in ranges:
        item = f" {{0x{first:X}, 0x{last:X}, {value}}},"
        if len(line) + len(item) > 100:
            print(line)
            line = "   "
        line += item
    print(line)
    print("};")
    print(f"const std::size_t {name}_size = sizeof({name}) / sizeof({name}[0]);\n")


def emit_mappings(name, mapping, comment):
    """mapping: {cp: [cp, ...]} -> an index sorted by cp into one pool of code points."""
    pool = []
    index = []
    for cp in sorted(mapping):
        seq = mapping[cp]
        assert 0 < len(seq) < 256
        index.append((cp, len(pool), len(seq)))
        pool.extend(seq)
    print(f"// {comment}")
    print(f"const std::uint32_t {name}_pool[] = {{")
    line = "   "
    for cp in pool:
        item = f" 0x{cp:X},"
        if len(line) + len(item) > 100:
            print(line)
            line = "   "
        line += item
    print(line)
    print("};")
    print(f"const CodepointMapping {name}[] = {{")
    line = "   "
    for cp, offset, length in index:
        item = f" {{0x{cp:X}, {offset}, {length}}},"
        if len(line) + len(item) > 100:
            print(line)
            line = "   "
        line += item
    print(line)
    print("};")
    print(f"const std::size_t {name}_size = sizeof({name}) / sizeof({name}[0]);\n")


def case_runs(mapping):
    """Single-character case mappings as runs {first, last, stride, delta}: every stride-th code
    point from first to last maps to itself + delta (Latin Extended alternates case every other
    code point, hence stride 2)."""
    runs = []
    for cp in sorted(mapping):
        delta = mapping[cp] - cp
        if runs:
            first, last, stride, d = runs[-1]
            if d == delta and ((stride == 0 and cp - last in (1, 2)) or (stride and cp - last == stride)):
                runs[-1] = [first, cp, cp - last, d]
                continue
        runs.append([cp, cp, 0, delta])
    return [(f, l, s or 1, d) for f, l, s, d in runs]


def emit_case_runs(name, runs, comment):
    print(f"// {comment}")
    print(f"const CaseRun {name}[] = {{")
    line = "   "
    for first, last, stride, delta in runs:
        item = f" {{0x{first:X}, 0x{last:X}, {stride}, {delta}}},"
        if len(line) + len(item) > 100:
            print(line)
            line = "   "
        line += item
    print(line)
    print("};")
    print(f"const std::size_t {name}_size = sizeof({name}) / sizeof({name}[0]);\n")


def main():
    ccc = []
    decomposition = {}  # cp -> (is_compat, [cp, ...]) one level, as in UnicodeData.txt
    pairs = []
    nfc_no = []
    lower, lower_multi = {}, {}
    upper, upper_multi = {}, {}
    py_space = []
    for cp in chars():
        ch = chr(cp)
        c = ud.combining(ch)
        if c:
            ccc.append((cp, c))
        if ch.isspace():
            py_space.append((cp, 1))
        if not is_hangul_syllable(cp):
            d = ud.decomposition(ch)
            if d:
                compat = d.startswith("<")
                parts = [int(x, 16) for x in d.split()[1 if compat else 0:]]
                decomposition[cp] = (compat, parts)
                # A primary composite: a two-character canonical decomposition that NFC keeps.
                if not compat and len(parts) == 2 and ud.normalize("NFC", ch) == ch:
                    pairs.append((parts[0], parts[1], cp))
            if ud.normalize("NFC", ch) != ch:
                nfc_no.append(cp)
        for table, multi, mapped in ((lower, lower_multi, ch.lower()), (upper, upper_multi, ch.upper())):
            if mapped != ch:
                if len(mapped) == 1:
                    table[cp] = ord(mapped)
                else:
                    multi[cp] = [ord(x) for x in mapped]

    # NFC quick-check flags: 1 = NFC_QC No (never appears in NFC), 2 = Maybe (may combine with
    # the character before it). Hangul vowel and trailing jamo combine algorithmically.
    flags = {cp: 1 for cp in nfc_no}
    for _, second, _ in pairs:
        flags[second] = flags.get(second, 0) | 2
    for cp in list(range(0x1161, 0x1176)) + list(range(0x11A8, 0x11C3)):
        flags[cp] = flags.get(cp, 0) | 2

    pairs.sort()
    print("// GENERATED by tools/dev/gen_unicode_tables.py from Python "
          f"{sys.version.split()[0]}'s unicodedata: DO NOT EDIT.")
    print(f"// Unicode version {ud.unidata_version}.")
    print('#include "unicode_tables.hpp"\n')
    print("namespace sl::local::unicode_data {\n")
    print(f'const char* const kUnicodeVersion = "{ud.unidata_version}";\n')
    emit_ranges("kCombiningClass", ranges_of(ccc), "Canonical_Combining_Class, non-zero values only.")
    emit_ranges("kNfcQuickCheck", ranges_of(sorted(flags.items())),
                "NFC quick check: 1 = No, 2 = Maybe (composes with a preceding character).")
    emit_ranges("kPythonWhitespace", ranges_of(py_space), "Python's str.isspace() (what str.strip() removes).")
    emit_mappings("kDecomposition", {cp: parts for cp, (_, parts) in decomposition.items()},
                  "One-level decomposition mappings (UnicodeData.txt field 5), Hangul syllables excluded;\n"
                  "// applied recursively at run time. kDecompositionIsCompat says which are <tagged>.")
    compat_ranges = ranges_of(sorted((cp, 1) for cp, (compat, _) in decomposition.items() if compat))
    emit_ranges("kDecompositionIsCompat", compat_ranges, "Code points whose decomposition is a compatibility one.")
    print("// Primary composites: (first, second) -> composite, sorted by (first, second).")
    print("const CompositionPair kCompositionPairs[] = {")
    line = "   "
    for first, second, composite in pairs:
        item = f" {{0x{first:X}, 0x{second:X}, 0x{composite:X}}},"
        if len(line) + len(item) > 100:
            print(line)
            line = "   "
        line += item
    print(line)
    print("};")
    print("const std::size_t kCompositionPairs_size = sizeof(kCompositionPairs) / sizeof(kCompositionPairs[0]);\n")
    emit_case_runs("kLowercaseRuns", case_runs(lower), "Single-character lowercase mappings (Python str.lower).")
    emit_mappings("kLowercaseMulti", lower_multi, "Lowercase mappings to several characters.")
    emit_case_runs("kUppercaseRuns", case_runs(upper), "Single-character uppercase mappings (Python str.upper).")
    emit_mappings("kUppercaseMulti", upper_multi, "Uppercase mappings to several characters.")
    print("}  // namespace sl::local::unicode_data")


if __name__ == "__main__":
    main()

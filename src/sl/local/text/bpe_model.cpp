// Byte-pair encoding as tokenizers runs it: a piece starts as one symbol per character, then the
// adjacent pair with the lowest merge rank is merged (leftmost first among equal pairs) until no
// pair has a merge. `ignore_merges` (Llama 3) first looks the whole piece up in the vocabulary.
//
// Speed: results are cached per piece (English text repeats its words); merges live in an
// open-addressing table keyed by the two ids; the merge loop uses a heap, so long pieces
// (runs of spaces or digits, minified text) stay O(n log n).
#include <algorithm>
#include <mutex>
#include <string>
#include <unordered_map>

#include "models.hpp"
#include "sl/core/error.hpp"
#include "sl/local/text/utf8.hpp"
#include "vocab.hpp"

namespace sl::local {

namespace {

// Merge rules: (left id, right id) -> (rank, merged id). Linear probing over a power-of-two table.
class MergeTable {
 public:
  struct Merge {
    std::uint32_t rank;
    std::int32_t id;
  };

  void reserve(std::size_t n) {
    std::size_t capacity = 16;
    while (capacity * 7 < n * 10) capacity *= 2;  // load factor <= 0.7
    slots_.assign(capacity, Slot{kEmpty, {0, 0}});
    mask_ = capacity - 1;
  }

  // A later rule for the same pair replaces the earlier one (as tokenizers' HashMap collect does).
  void insert(std::int32_t left, std::int32_t right, Merge merge) {
    std::uint64_t key = pack(left, right);
    for (std::size_t i = hash(key);; i = (i + 1) & mask_) {
      if (slots_[i].key == kEmpty || slots_[i].key == key) {
        slots_[i] = Slot{key, merge};
        return;
      }
    }
  }

  const Merge* find(std::int32_t left, std::int32_t right) const {
    std::uint64_t key = pack(left, right);
    for (std::size_t i = hash(key);; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i].merge;
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }

 private:
  struct Slot {
    std::uint64_t key;
    Merge merge;
  };
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  static std::uint64_t pack(std::int32_t a, std::int32_t b) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
  }
  std::size_t hash(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & mask_;
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

// Results per piece, shared by all threads. Sharded by hash so that threads encoding at the same
// time rarely wait for one another; a shard is cleared when full, so a long run over varied text
// keeps a working set instead of freezing the first words it saw.
class PieceCache {
 public:
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kShardCapacity = 4096;
  static constexpr std::size_t kMaxPieceBytes = 256;

  bool lookup(std::string_view piece, std::vector<std::int32_t>& out) const {
    if (piece.size() > kMaxPieceBytes) return false;
    std::size_t h = Hash{}(piece);
    Shard& shard = shards_[h % kShards];
    std::lock_guard lock(shard.mutex);
    auto it = shard.map.find(piece);
    if (it == shard.map.end()) return false;
    out.insert(out.end(), it->second.begin(), it->second.end());
    return true;
  }
  void store(std::string_view piece, const std::int32_t* ids, std::size_t n) const {
    if (piece.size() > kMaxPieceBytes) return;
    std::size_t h = Hash{}(piece);
    Shard& shard = shards_[h % kShards];
    std::lock_guard lock(shard.mutex);
    if (shard.map.size() >= kShardCapacity) shard.map.clear();
    shard.map.emplace(std::string(piece), std::vector<std::int32_t>(ids, ids + n));
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct alignas(64) Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<std::int32_t>, Hash, std::equal_to<>> map;
  };
  mutable Shard shards_[kShards];
};

struct BpeOptions {
  std::optional<std::string> unk_token;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
  std::string continuing_subword_prefix;
  std::string end_of_word_suffix;
};

class BpeModel final : public Model {
 public:
  BpeModel(Vocab vocab, MergeTable merges, BpeOptions options, std::string origin)
      : vocab_(std::move(vocab)), merges_(std::move(merges)), options_(std::move(options)), origin_(std::move(origin)) {
    char_ids_.assign(kCharTableSize, -1);
    for (char32_t cp = 0; cp < kCharTableSize; ++cp) {
      if (auto id = vocab_.find(utf8::encode(cp))) char_ids_[cp] = *id;
    }
    if (options_.unk_token) unk_id_ = vocab_.find(*options_.unk_token);
  }

  void tokenize(std::string_view piece, std::vector<std::int32_t>& out) const override {
    if (piece.empty()) return;
    if (options_.ignore_merges) {
      if (auto id = vocab_.find(piece)) {
        out.push_back(*id);
        return;
      }
    }
    if (cache_.lookup(piece, out)) return;
    std::size_t before = out.size();
    merge_word(piece, out);
    cache_.store(piece, out.data() + before, out.size() - before);
  }

  std::optional<std::int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::string_view id_to_token(std::int32_t id) const override { return vocab_.token(id); }
  std::size_t id_limit() const override { return vocab_.id_limit(); }

 private:
  static constexpr char32_t kCharTableSize = 1024;

  struct Symbol {
    std::int32_t id;
    std::int32_t prev;
    std::int32_t next;
    std::int32_t alive;
  };
  struct Candidate {
    std::uint32_t rank;
    std::int32_t pos;
    std::int32_t id;
    // std::push_heap keeps the greatest on top: "greater" = lower rank, then lower position.
    bool operator<(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };

  std::optional<std::int32_t> char_id(std::string_view ch) const {
    std::size_t n = utf8::valid_sequence_length(ch, 0);
    if (n == ch.size()) {
      char32_t cp = utf8::decode_at(ch, 0, n);
      if (cp < kCharTableSize) {
        std::int32_t id = char_ids_[cp];
        if (id < 0) return std::nullopt;
        return id;
      }
    }
    return vocab_.find(ch);
  }

  // The initial symbols: one per character, with unknown characters handled as tokenizers does
  // (byte fallback <0xNN> tokens, else the unk token, fused when fuse_unk, else dropped).
  void initial_symbols(std::string_view piece, std::vector<Symbol>& symbols) const {
    const bool affixes = !options_.continuing_subword_prefix.empty() || !options_.end_of_word_suffix.empty();
    std::int32_t pending_unk = -1;  // an unknown-character run waiting to be added
    auto add = [&](std::int32_t id) {
      auto pos = static_cast<std::int32_t>(symbols.size());
      symbols.push_back({id, pos - 1, pos + 1, 1});
    };
    std::string affixed;
    std::size_t i = 0;
    while (i < piece.size()) {
      std::size_t n = utf8::valid_sequence_length(piece, i);
      if (n == 0) n = 1;
      std::string_view ch = piece.substr(i, n);
      const bool first = i == 0;
      i += n;
      const bool last = i >= piece.size();
      std::string_view s = ch;
      if (affixes) {
        affixed.clear();
        if (!first) affixed += options_.continuing_subword_prefix;
        affixed += ch;
        if (last) affixed += options_.end_of_word_suffix;
        s = affixed;
      }
      std::optional<std::int32_t> id = affixes ? vocab_.find(s) : char_id(s);
      if (id) {
        if (pending_unk >= 0) {
          add(pending_unk);
          pending_unk = -1;
        }
        add(*id);
        continue;
      }
      if (options_.byte_fallback) {
        std::vector<std::int32_t> bytes;
        for (unsigned char b : s) {
          static const char* hex = "0123456789ABCDEF";
          std::string name = std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">";
          auto bid = vocab_.find(name);
          if (!bid) {
            bytes.clear();
            break;
          }
          bytes.push_back(*bid);
        }
        if (!bytes.empty()) {
          for (auto b : bytes) add(b);
          continue;
        }
      }
      if (options_.unk_token) {
        if (!unk_id_) throw Error(origin_ + ": BPE unk_token \"" + *options_.unk_token + "\" is not in the vocabulary");
        if (pending_unk >= 0 && !options_.fuse_unk) add(pending_unk);
        pending_unk = *unk_id_;
      }
    }
    if (pending_unk >= 0) add(pending_unk);
    if (!symbols.empty()) symbols.back().next = -1;
  }

  void merge_word(std::string_view piece, std::vector<std::int32_t>& out) const {
    thread_local std::vector<Symbol> symbols;
    thread_local std::vector<Candidate> heap;
    symbols.clear();
    heap.clear();
    initial_symbols(piece, symbols);
    if (symbols.empty()) return;
    auto push_pair = [&](std::int32_t pos) {
      std::int32_t next = symbols[pos].next;
      if (next < 0) return;
      if (const auto* m = merges_.find(symbols[pos].id, symbols[next].id)) {
        heap.push_back({m->rank, pos, m->id});
        std::push_heap(heap.begin(), heap.end());
      }
    };
    for (std::int32_t pos = 0; pos + 1 < static_cast<std::int32_t>(symbols.size()); ++pos) push_pair(pos);
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end());
      Candidate top = heap.back();
      heap.pop_back();
      Symbol& left = symbols[top.pos];
      if (!left.alive || left.next < 0) continue;
      Symbol& right = symbols[left.next];
      // Stale when either side changed since the candidate was queued: the merged id would differ.
      const auto* m = merges_.find(left.id, right.id);
      if (!m || m->id != top.id) continue;
      left.id = top.id;
      right.alive = 0;
      left.next = right.next;
      if (right.next >= 0) symbols[right.next].prev = top.pos;
      if (left.prev >= 0) push_pair(left.prev);
      push_pair(top.pos);
    }
    for (std::int32_t pos = 0; pos >= 0; pos = symbols[pos].next) out.push_back(symbols[pos].id);
  }

  Vocab vocab_;
  MergeTable merges_;
  BpeOptions options_;
  std::string origin_;
  std::optional<std::int32_t> unk_id_;
  std::vector<std::int32_t> char_ids_;
  PieceCache cache_;
};

// One merge rule: "a b" (older files) or ["a", "b"] (newer files). Returns false when malformed.
bool parse_merge(const tokjson::JsonValue& j, std::string_view& a, std::string_view& b) {
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    std::size_t space = s.find(' ');
    if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos) return false;
    a = std::string_view(s).substr(0, space);
    b = std::string_view(s).substr(space + 1);
    return true;
  }
  if (j.is_array() && j.size() == 2 && j[0].is_string() && j[1].is_string()) {
    a = j[0].get_ref<const std::string&>();
    b = j[1].get_ref<const std::string&>();
    return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<Model> make_bpe_model(const tokjson::Node& node, ModelTables tables) {
  if (auto dropout = node.get("dropout"); dropout && dropout->as_number() != 0.0)
    dropout->fail("BPE dropout is not supported (it makes encoding random)");
  BpeOptions options;
  if (auto unk = node.get("unk_token")) options.unk_token = unk->as_string();
  options.fuse_unk = node.bool_or("fuse_unk", false);
  options.byte_fallback = node.bool_or("byte_fallback", false);
  options.ignore_merges = node.bool_or("ignore_merges", false);
  options.continuing_subword_prefix = node.string_or("continuing_subword_prefix", "");
  options.end_of_word_suffix = node.string_or("end_of_word_suffix", "");

  Vocab vocab = read_vocab(node, tables);
  auto merges_node = node.at("merges");
  merges_node.expect_array();
  std::vector<std::pair<std::string, std::string>> merge_list;
  if (tables.merges) {
    merge_list = std::move(*tables.merges);
  } else {
    for (std::size_t i = 0; i < merges_node.size(); ++i) {
      std::string_view a, b;
      if (!parse_merge(merges_node.json()[i], a, b))
        merges_node.at(i).fail_expected("a merge: \"left right\" or [\"left\", \"right\"]");
      merge_list.emplace_back(a, b);
    }
  }
  MergeTable merges;
  merges.reserve(merge_list.size());
  const std::size_t prefix_len = options.continuing_subword_prefix.size();
  std::string merged;
  for (std::size_t i = 0; i < merge_list.size(); ++i) {
    const std::string& a = merge_list[i].first;
    const std::string& b = merge_list[i].second;
    auto where = [&] {
      return tokjson::Node(merges_node.json(), node.origin(), merges_node.path() + "[" + std::to_string(i) + "]");
    };
    auto a_id = vocab.find(a);
    auto b_id = vocab.find(b);
    if (!a_id || !b_id) where().fail("merge token \"" + (a_id ? b : a) + "\" is not in the vocabulary");
    // With a continuation prefix, "a ##b" merges into "ab".
    const bool prefixed = prefix_len > 0 && b.compare(0, prefix_len, options.continuing_subword_prefix) == 0;
    merged.assign(a);
    merged.append(b, prefixed ? prefix_len : 0, std::string::npos);
    auto merged_id = vocab.find(merged);
    if (!merged_id) where().fail("merged token \"" + merged + "\" is not in the vocabulary");
    merges.insert(*a_id, *b_id, {static_cast<std::uint32_t>(i), *merged_id});
  }
  return std::make_unique<BpeModel>(std::move(vocab), std::move(merges), std::move(options), node.origin());
}

}  // namespace sl::local

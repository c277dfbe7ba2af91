#include "sl/local/runtime/model/length_grouped_attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace sl::local {

namespace {

torch::Tensor index_tensor(const std::vector<std::int64_t>& v, torch::Device device) {
  return torch::tensor(v, torch::TensorOptions().dtype(torch::kInt64)).to(device);
}

}  // namespace

LengthGroupedAttention::LengthGroupedAttention(const std::vector<std::int64_t>& begins,
                                               const std::vector<std::int64_t>& lengths, torch::Device device) {
  const auto n_seq = static_cast<std::int64_t>(lengths.size());
  std::vector<std::int64_t> by_length(static_cast<std::size_t>(n_seq));
  std::iota(by_length.begin(), by_length.end(), 0);
  std::stable_sort(by_length.begin(), by_length.end(), [&](auto a, auto b) { return lengths[a] < lengths[b]; });

  std::vector<std::int64_t> concat_rows;  // packed row of each row of the groups' concatenated output
  std::int64_t i = 0;
  while (i < n_seq) {
    // Extend the group while padding to the longest costs at most 1/8 more score work.
    std::int64_t j = i, real_work = 0;
    while (j < n_seq) {
      const std::int64_t len = lengths[by_length[j]];
      const std::int64_t work = real_work + len * len;
      if (j > i && 8 * (j - i + 1) * len * len > 9 * work) break;
      real_work = work;
      ++j;
    }
    Group g;
    g.count = j - i;
    g.length = lengths[by_length[j - 1]];
    std::vector<std::int64_t> rows, slots;
    bool padded = false, consecutive = true;
    for (std::int64_t s = i; s < j; ++s) {
      const std::int64_t seq = by_length[s], len = lengths[seq];
      padded = padded || len != g.length;
      if (s > i && (seq != by_length[s - 1] + 1 || begins[seq] != begins[seq - 1] + lengths[seq - 1]))
        consecutive = false;
      for (std::int64_t t = 0; t < len; ++t) {
        rows.push_back(begins[seq] + t);
        slots.push_back((s - i) * g.length + t);
      }
    }
    g.real_rows = static_cast<std::int64_t>(rows.size());
    if (!padded && consecutive) {
      g.row_begin = rows.front();
    } else {
      g.rows = index_tensor(rows, device);
      if (padded) g.slots = index_tensor(slots, device);
    }
    concat_rows.insert(concat_rows.end(), rows.begin(), rows.end());
    tokens_ += g.real_rows;
    groups_.push_back(std::move(g));
    i = j;
  }
  bool identity = true;
  std::vector<std::int64_t> position(concat_rows.size());
  for (std::size_t p = 0; p < concat_rows.size(); ++p) {
    position[static_cast<std::size_t>(concat_rows[p])] = static_cast<std::int64_t>(p);
    identity = identity && concat_rows[p] == static_cast<std::int64_t>(p);
  }
  if (!identity) order_ = index_tensor(position, device);
}

torch::Tensor LengthGroupedAttention::operator()(const torch::Tensor& q, const torch::Tensor& k,
                                                 const torch::Tensor& v) const {
  const std::int64_t heads = q.size(1), kv_heads = k.size(1), head_dim = q.size(2);
  const std::int64_t group = heads / kv_heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  std::vector<torch::Tensor> parts;
  parts.reserve(groups_.size());
  for (const Group& g : groups_) {
    const std::int64_t n = g.count, len = g.length;
    // [N, h, d] -> [n, L, h, d]: the group's rows, zero rows where a sequence is shorter than L.
    auto gather = [&](const torch::Tensor& x) {
      torch::Tensor t;
      if (g.row_begin >= 0) {
        t = x.narrow(0, g.row_begin, n * len);
      } else {
        t = x.index_select(0, g.rows);
        if (g.slots.defined()) t = torch::zeros({n * len, x.size(1), x.size(2)}, x.options()).index_copy(0, g.slots, t);
      }
      return t.reshape({n, len, x.size(1), x.size(2)});
    };
    // Query head h uses kv head h / group (grouped-query attention, as repeat_kv in transformers).
    auto queries = gather(q)
                       .view({n, len, kv_heads, group, head_dim})
                       .permute({0, 2, 3, 1, 4})
                       .reshape({n, kv_heads, group * len, head_dim});
    auto keys = gather(k).permute({0, 2, 1, 3});    // [n, kvh, L, d]
    auto values = gather(v).permute({0, 2, 1, 3});  // [n, kvh, L, d]
    auto causal = torch::full({len, len}, -std::numeric_limits<float>::infinity(), q.options()).triu(1);
    auto scores = torch::matmul(queries, keys.transpose(-1, -2)) * scale;  // [n, kvh, group * L, L]
    scores = scores.view({n, kv_heads, group, len, len}) + causal;
    auto probs = torch::softmax(scores, -1, torch::kFloat32).to(q.scalar_type());
    auto out = torch::matmul(probs.view({n, kv_heads, group * len, len}), values);  // [n, kvh, group * L, d]
    out = out.view({n, kv_heads, group, len, head_dim}).permute({0, 3, 1, 2, 4}).reshape({n * len, heads * head_dim});
    parts.push_back(g.slots.defined() ? out.index_select(0, g.slots) : out);
  }
  auto all = parts.size() == 1 ? parts.front() : torch::cat(parts, 0);
  return order_.defined() ? all.index_select(0, order_) : all;
}

}  // namespace sl::local

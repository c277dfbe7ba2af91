#include "sl/local/runtime/model/layer_checkpoint.hpp"

#include <mutex>
#include <optional>

namespace sl::local {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// The layer function travels to backward in the context's saved data as a capsule (the only
// way AutogradContext holds a non-tensor object).
struct LayerFunction : torch::CustomClassHolder {
  std::function<torch::Tensor(const torch::Tensor&)> fn;
  std::vector<torch::Tensor> params;
  bool same_randomness = false;
  torch::Tensor rng_state;  // the device generator's state before forward
};

class Checkpoint : public torch::autograd::Function<Checkpoint> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x, at::TensorList /*params*/,
                               c10::intrusive_ptr<LayerFunction> layer) {
    if (layer->same_randomness) {
      auto gen = at::globalContext().defaultGenerator(x.device());
      std::lock_guard<std::mutex> lock(gen.mutex());
      layer->rng_state = gen.get_state();
    }
    torch::Tensor y;
    {
      torch::AutoGradMode grad_mode(true);  // apply() runs forward without; the blocks need it
      y = layer->fn(x.detach()).detach();
    }
    ctx->save_for_backward({x});
    ctx->saved_data["layer"] = c10::IValue::make_capsule(layer);
    return y;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto x = ctx->get_saved_variables()[0];
    auto layer = c10::static_intrusive_pointer_cast<LayerFunction>(ctx->saved_data["layer"].toCapsule());
    torch::Tensor current_state;
    std::optional<at::Generator> gen;
    if (layer->same_randomness) {
      gen = at::globalContext().defaultGenerator(x.device());
      std::lock_guard<std::mutex> lock(gen->mutex());
      current_state = gen->get_state();
      gen->set_state(layer->rng_state);
    }
    torch::AutoGradMode grad_mode(true);
    auto input = x.detach().requires_grad_(x.requires_grad());
    auto y = layer->fn(input);
    if (gen) {
      std::lock_guard<std::mutex> lock(gen->mutex());
      gen->set_state(current_state);
    }
    std::vector<torch::Tensor> wrt;
    if (input.requires_grad()) wrt.push_back(input);
    for (const auto& p : layer->params) wrt.push_back(p);
    auto g = torch::autograd::grad({y}, wrt, {grads[0]}, /*retain_graph=*/false, /*create_graph=*/false,
                                   /*allow_unused=*/true);
    tensor_list out;  // one entry per forward argument: x, each param, the layer function
    std::size_t next = 0;
    out.push_back(input.requires_grad() ? g[next++] : torch::Tensor());
    for (std::size_t i = 0; i < layer->params.size(); ++i) out.push_back(g[next++]);
    out.push_back(torch::Tensor());
    return out;
  }
};

}  // namespace

torch::Tensor checkpointed(std::function<torch::Tensor(const torch::Tensor&)> fn, const torch::Tensor& x,
                           const std::vector<torch::Tensor>& params, bool same_randomness) {
  auto layer = c10::make_intrusive<LayerFunction>();
  layer->fn = std::move(fn);
  layer->params = params;
  layer->same_randomness = same_randomness;
  return Checkpoint::apply(x, at::TensorList(params), layer);
}

}  // namespace sl::local

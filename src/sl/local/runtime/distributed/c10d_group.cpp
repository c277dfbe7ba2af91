#include "sl/local/runtime/distributed/c10d_group.hpp"

// ProcessGroupGloo.hpp declares the class under USE_C10D_GLOO, which Debian's Torch CMake
// package defines (its libtorch is built with Gloo); the Gloo headers come from libgloo-dev.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "sl/core/error.hpp"

namespace sl::local {

namespace {

// The first line of a c10d / Gloo message, without the backtrace and "Exception raised from".
std::string first_line(const std::exception& e) {
  const auto* c10 = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10 ? c10->what_without_backtrace() : e.what();
  const auto nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  while (!text.empty() && (text.back() == ' ' || text.back() == '.')) text.pop_back();
  return text;
}

bool is_loopback(const std::string& addr) { return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1"; }

// Gloo's transport device, as torch.distributed picks it: the interface GLOO_SOCKET_IFNAME names;
// loopback when the run is on one machine at a loopback address; else the address this host's
// name resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const LaunchEnv& env) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  if (is_loopback(env.master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

C10dGroup::C10dGroup(const LaunchEnv& env) : env_(env) {
  const std::string where = env.master_addr + ":" + std::to_string(env.master_port);
  auto rendezvous_error = [&](const std::string& step, const std::exception& e) {
    char timeout[32];
    std::snprintf(timeout, sizeof timeout, "%g", static_cast<double>(env.timeout.count()) / 1000.0);
    return Error("distributed " + env.describe() + ": " + step + " failed (" + first_line(e) +
                 "; check MASTER_ADDR/MASTER_PORT, that the port is free on rank 0's machine and that all " +
                 std::to_string(env.world_size) + " ranks were started; SL_DIST_TIMEOUT=" + timeout + " s)");
  };
  try {
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<std::uint16_t>(env.master_port);
    opts.isServer = env.rank == 0;
    opts.numWorkers = static_cast<std::size_t>(env.world_size);
    opts.waitWorkers = true;
    opts.timeout = env.timeout;  // connecting, and every wait for a key
    store_ = c10::make_intrusive<c10d::TCPStore>(env.master_addr, opts);
  } catch (const std::exception& e) {
    throw rendezvous_error((env.rank == 0 ? "serving the rendezvous at " : "joining the rendezvous at ") + where, e);
  }
  try {
    // Connects every pair of ranks (addresses exchanged through the store); waits for all ranks.
    auto opts = c10d::ProcessGroupGloo::Options::create(env.timeout);
    opts->devices.push_back(gloo_device(env));
    gloo_ = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("gloo", store_),
                                                        env.rank, env.world_size, opts);
  } catch (const std::exception& e) {
    throw rendezvous_error("connecting to the other ranks (rendezvous at " + where + ")", e);
  }
  spdlog::info("distributed: {} joined the process group at {} (Gloo)", env.describe(), where);
}

C10dGroup::~C10dGroup() = default;

void C10dGroup::fail(const std::string& what, const std::exception& e) const {
  throw Error("distributed " + env_.describe() + ": " + what + " failed (" + first_line(e) +
              "); another rank stopped or cannot be reached (its own output names the cause)");
}

void C10dGroup::barrier(const std::string& what) {
  try {
    gloo_->barrier()->wait();
  } catch (const std::exception& e) {
    fail("waiting for every rank (" + what + ")", e);
  }
}

std::vector<std::string> C10dGroup::all_gather(const std::string& what, const std::string& value) {
  const std::string prefix = "exchange/" + std::to_string(exchanges_++) + "/";
  // First a Gloo barrier: it notices a rank that died at once (its connections close), which a
  // store read would only after the timeout. Once every rank is there, the reads return at once.
  barrier(what);
  std::vector<std::string> out;
  try {
    store_->set(prefix + std::to_string(env_.rank), std::vector<std::uint8_t>(value.begin(), value.end()));
    for (int r = 0; r < env_.world_size; ++r) {
      const auto bytes = store_->get(prefix + std::to_string(r));  // waits up to the store's timeout
      out.emplace_back(bytes.begin(), bytes.end());
    }
  } catch (const std::exception& e) {
    fail("exchanging " + what, e);
  }
  return out;
}

void C10dGroup::agree(const std::string& what, const std::string& failure, bool usage) {
  const auto all = all_gather(what, failure.empty() ? std::string() : (usage ? "U" : "E") + failure);
  for (int r = 0; r < env_.world_size; ++r) {
    const std::string& f = all[static_cast<std::size_t>(r)];
    if (f.empty()) continue;
    const std::string message = (r == env_.rank ? f.substr(1) : "rank " + std::to_string(r) + ": " + f.substr(1));
    if (f[0] == 'U') throw UsageError(message);
    throw Error(message);
  }
}

bool C10dGroup::any(const std::string& what, bool flag) {
  auto t = torch::full({1}, flag ? 1.0 : 0.0, torch::kFloat64);
  auto work = start_sum(t);
  wait(work, what);
  return t.item<double>() > 0;
}

c10::intrusive_ptr<c10d::Work> C10dGroup::start_sum(torch::Tensor& tensor) {
  std::vector<torch::Tensor> tensors{tensor};
  try {
    return gloo_->allreduce(tensors);
  } catch (const std::exception& e) {
    fail("starting an all-reduce", e);
  }
}

void C10dGroup::wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what) {
  try {
    work->wait();
  } catch (const std::exception& e) {
    fail(what, e);
  }
}

void C10dGroup::broadcast_from_root(std::vector<torch::Tensor>& tensors, const std::string& what) {
  for (auto& t : tensors) {
    std::vector<torch::Tensor> one{t};
    try {
      gloo_->broadcast(one)->wait();
    } catch (const std::exception& e) {
      fail(what, e);
    }
  }
}

}  // namespace sl::local

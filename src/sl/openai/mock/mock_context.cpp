#include "mock_context.hpp"

#include "openai_errors.hpp"

namespace sl::openai::mock {

void MockContext::sleep_for(std::chrono::duration<double, std::milli> duration) {
  std::unique_lock lock(sleep_mutex_);
  sleep_cv_.wait_for(lock, duration, [&] { return stopping_; });
}

void MockContext::wake_sleepers() {
  {
    std::lock_guard lock(sleep_mutex_);
    stopping_ = true;
  }
  sleep_cv_.notify_all();
}

Json stats_json(MockContext& ctx) {
  Json out = ctx.stats.to_json();
  out["fine_tuning"] = ctx.fine_tuning.stats();
  return out;
}

void reset_stats(MockContext& ctx) {
  ctx.stats.reset();
  ctx.fine_tuning.reset_stats();
}

void reply_json(MockContext& ctx, const std::string& endpoint, httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(json::dump(body), "application/json");
  ctx.stats.record(endpoint, std::to_string(status));
}

bool reject_unauthorized(MockContext& ctx, const std::string& endpoint, const httplib::Request& req,
                         httplib::Response& res) {
  if (!ctx.options.require_api_key) return false;
  if (req.get_header_value("Authorization") == "Bearer " + *ctx.options.require_api_key) return false;
  ctx.stats.fault("unauthorized");
  reply_json(ctx, endpoint, res, 401, invalid_api_key_error());
  return true;
}

}  // namespace sl::openai::mock

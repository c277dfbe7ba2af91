// The OpenAI-compatible API client: concurrent chat completions, and simple blocking JSON calls
// (GET/POST/DELETE, multipart uploads) for the files and fine-tuning endpoints. All share one
// Transport, so connections, retries and counters are shared too.
//
//   auto client = sl::openai::Client(sl::openai::ClientConfig::from_env());
//   client.chat_completions(n, [&](size_t i) { return request_for(i); },
//                           [&](size_t i, sl::openai::ChatCompletion&& c) { save(i, c); });
//   sl::Json job = client.get_json("/fine_tuning/jobs/ftjob-123");
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "sl/core/json.hpp"
#include "sl/openai/chat_types.hpp"
#include "sl/openai/client_config.hpp"
#include "sl/openai/client_stats.hpp"
#include "sl/openai/http.hpp"
#include "sl/openai/transport.hpp"

namespace sl::openai {

class Client {
 public:
  explicit Client(ClientConfig config);

  using MakeChatRequest = std::function<ChatCompletionRequest(std::size_t index)>;
  using OnChatCompletion = std::function<void(std::size_t index, ChatCompletion&& completion)>;

  // Runs `count` chat completions, at most config().concurrency at a time; see Transport::run
  // for ordering, interrupts and failures. A response that does not match the spec is an
  // sl::Error naming the URL and the field.
  void chat_completions(std::size_t count, const MakeChatRequest& make, const OnChatCompletion& on_result);

  // Blocking JSON calls relative to the base URL ("/files", "/fine_tuning/jobs/ID"). The
  // response body must be JSON (sl::Error naming the URL otherwise).
  Json get_json(const std::string& path);
  Json post_json(const std::string& path, const Json& body);
  Json delete_json(const std::string& path);
  Json post_multipart(const std::string& path, std::vector<MultipartPart> parts);

  const ClientConfig& config() const { return transport_.config(); }
  const ClientStats& stats() const { return transport_.stats(); }
  Transport& transport() { return transport_; }

 private:
  Json send_json(HttpRequest request);

  Transport transport_;
};

}  // namespace sl::openai

// The concurrent chat-completions runner: requests are serialised only when a connection is
// free for them, and each answer is decoded and handed over as soon as it arrives.
#include "sl/core/error.hpp"
#include "sl/core/json_decode.hpp"
#include "sl/openai/client.hpp"

namespace sl::openai {

void Client::chat_completions(std::size_t count, const MakeChatRequest& make, const OnChatCompletion& on_result) {
  static const std::string kPath = "/chat/completions";
  const std::string& field = transport_.config().max_tokens_field;
  transport_.run(
      count,
      [&](std::size_t i) {
        return HttpRequest{HttpMethod::post, kPath, json::dump(to_json(make(i), field)), {}};
      },
      [&](std::size_t i, HttpResponse&& response) {
        ChatCompletion completion;
        Json body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
        const std::string where = "invalid response from POST " + response.url;
        if (body.is_discarded()) throw Error(where + ": the body is not JSON");
        try {
          completion = parse_chat_completion(body);
        } catch (const JsonDecodeError& e) {
          // A bad answer from a server is a runtime failure (exit 1), not a usage error.
          throw Error(where + ": " + e.what());
        }
        on_result(i, std::move(completion));
      });
}

}  // namespace sl::openai

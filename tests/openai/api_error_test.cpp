#include "sl/openai/api_error.hpp"

#include <gtest/gtest.h>

using namespace sl::openai;

TEST(ApiError, ReadsOpenAIErrorBodies) {
  auto e = parse_api_error(
      R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "Incorrect API key provided");
  EXPECT_EQ(e->type, "invalid_request_error");
  EXPECT_EQ(e->code, "invalid_api_key");
  // Some compatible servers send a plain string.
  EXPECT_EQ(parse_api_error(R"({"error":"model not loaded"})")->message, "model not loaded");
  EXPECT_FALSE(parse_api_error("<html>Bad gateway</html>"));
  EXPECT_FALSE(parse_api_error(R"({"detail":"x"})"));
}

TEST(ApiError, ServerMessageFallsBackToTheBodyOnOneLine) {
  HttpResponse r;
  r.status = 502;
  r.body = "<html>\n  <body>Bad   gateway</body>\n</html>";
  EXPECT_EQ(server_message(r), "<html> <body>Bad gateway</body> </html>");
  r.body = "";
  EXPECT_EQ(server_message(r), "(empty response body)");
  r.body = std::string(1000, 'x');
  EXPECT_EQ(server_message(r).size(), 203u);
}

TEST(ApiError, RedactsTheSecret) {
  EXPECT_EQ(redact("key sk-abc and sk-abc again", std::string("sk-abc")), "key *** and *** again");
  EXPECT_EQ(redact("nothing", std::nullopt), "nothing");
  EXPECT_EQ(redact("nothing", std::string()), "nothing");
}

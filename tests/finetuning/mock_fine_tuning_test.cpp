// The mock's files and fine-tuning endpoints, spoken to over real HTTP: validation like the real
// API's, the job state machine and its events, fine-tuned models served exactly as their base.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "mock_server.hpp"
#include "sl/core/error.hpp"
#include "sl/openai/client.hpp"
#include "sl/openai/fine_tuning_api.hpp"
#include "test_support.hpp"

using namespace sl::openai;
using sl::Json;
using sl::test::MockServer;

namespace {

const char* kBase = "gpt-4.1-nano-2025-04-14";

ClientConfig config_for(const MockServer& server, std::optional<std::string> key = std::nullopt) {
  ClientConfig c;
  c.base_url = server.base_url();
  c.api_key = std::move(key);
  c.concurrency = 2;
  c.retry.initial_delay_s = 0.01;
  c.retry.max_delay_s = 0.05;
  return c;
}

std::string chats(int n) {
  std::string text;
  for (int i = 0; i < n; ++i)
    text += R"({"messages": [{"role": "user", "content": "Continue: )" + std::to_string(i) +
            R"("}, {"role": "assistant", "content": "1, 2, 3"}]})"
            "\n";
  return text;
}

FileObject upload(FineTuningApi& api, const sl::test::TempDir& dir, const std::string& content) {
  const auto path = dir / "train.jsonl";
  sl::test::write_file(path, content);
  return api.upload_file(path, "train.jsonl", "fine-tune");
}

FileObject wait_processed(FineTuningApi& api, const std::string& id) {
  for (int i = 0; i < 500; ++i) {
    FileObject f = api.retrieve_file(id);
    if (f.status != "uploaded") return f;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("file never processed");
}

FineTuningJob wait_finished(FineTuningApi& api, const std::string& id) {
  for (int i = 0; i < 1000; ++i) {
    FineTuningJob j = api.retrieve_job(id);
    if (j.finished()) return j;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("job never finished");
}

CreateFineTuningJobRequest request_for(const std::string& file) {
  return CreateFineTuningJobRequest{kBase, file, 1, {10, std::nullopt, std::nullopt}};
}

int status_of(const std::function<void()>& fn, std::string* message = nullptr) {
  try {
    fn();
  } catch (const sl::HttpError& e) {
    if (message) *message = e.what();
    return e.status();
  }
  return 200;
}

// The `required` list of schema `name` in components/schemas of the OpenAPI YAML, read by
// indentation (schemas at 4 spaces, their keys at 6, list items at 8): enough for this file.
std::vector<std::string> required_fields(const std::string& yaml, const std::string& name) {
  std::istringstream in(yaml);
  std::string line;
  bool in_schema = false, in_required = false;
  std::vector<std::string> out;
  while (std::getline(in, line)) {
    if (!in_schema) {
      in_schema = line == "    " + name + ":";
      continue;
    }
    if (line.rfind("    ", 0) == 0 && line.size() > 4 && line[4] != ' ') break;  // the next schema
    if (line == "      required:") {
      in_required = true;
      continue;
    }
    if (in_required) {
      if (line.rfind("        - ", 0) != 0) break;
      out.push_back(line.substr(10));
    }
  }
  return out;
}

void expect_has_required(const Json& body, const std::string& yaml, const std::string& schema) {
  const auto fields = required_fields(yaml, schema);
  ASSERT_FALSE(fields.empty()) << "no required list found for " << schema;
  for (const auto& f : fields) EXPECT_TRUE(body.contains(f)) << schema << " lacks required field " << f << ": " << body;
}

}  // namespace

TEST(MockFineTuning, ResponsesHaveEveryFieldTheSpecRequires) {
  auto ref = sl::test::reference_dir();
  const auto spec = ref ? *ref / ".." / "openai" / "openapi.yaml" : std::filesystem::path();
  if (!ref || !std::filesystem::exists(spec)) GTEST_SKIP() << "SKIPPED: ../shared/openai/openapi.yaml not found";
  const std::string yaml = sl::test::read_file(spec);
  MockServer server({"--ft-step-ms", "1", "--ft-file-ms", "0"});
  sl::test::TempDir dir;
  FineTuningApi api(config_for(server));
  const std::string file = wait_processed(api, upload(api, dir, chats(12)).id).id;
  const std::string job = wait_finished(api, api.create_job(request_for(file)).id).id;
  const std::string root = server.base_url();
  auto get = [&](const std::string& path) { return Json::parse(sl::test::http_request("GET", root + path).body); };
  expect_has_required(get("/files/" + file), yaml, "OpenAIFile");
  expect_has_required(get("/files"), yaml, "ListFilesResponse");
  expect_has_required(get("/fine_tuning/jobs/" + job), yaml, "FineTuningJob");
  expect_has_required(get("/fine_tuning/jobs"), yaml, "ListPaginatedFineTuningJobsResponse");
  const Json events = get("/fine_tuning/jobs/" + job + "/events");
  expect_has_required(events, yaml, "ListFineTuningJobEventsResponse");
  ASSERT_FALSE(events["data"].empty());
  for (const Json& e : events["data"]) expect_has_required(e, yaml, "FineTuningJobEvent");
  EXPECT_EQ(get("/fine_tuning/jobs/" + job)["object"], "fine_tuning.job");
  EXPECT_EQ(events["data"][0]["object"], "fine_tuning.job.event");
}

TEST(MockFineTuning, JobGoesThroughEveryStateAndServesItsModelAsTheBase) {
  MockServer server({"--ft-step-ms", "200", "--ft-file-ms", "300"});
  sl::test::TempDir dir;
  FineTuningApi api(config_for(server));
  FileObject file = upload(api, dir, chats(12));
  EXPECT_EQ(file.status, "uploaded");
  EXPECT_EQ(file.purpose, "fine-tune");
  EXPECT_EQ(file.filename, "train.jsonl");
  EXPECT_EQ(file.bytes, static_cast<std::int64_t>(chats(12).size()));
  // Not ready yet: the real API refuses too.
  std::string message;
  EXPECT_EQ(status_of([&] { api.create_job(request_for(file.id)); }, &message), 400);
  EXPECT_NE(message.find("still being processed"), std::string::npos) << message;
  EXPECT_EQ(wait_processed(api, file.id).status, "processed");

  FineTuningJob job = api.create_job(request_for(file.id));
  EXPECT_EQ(job.status, "validating_files");
  EXPECT_EQ(job.training_file, file.id);
  std::vector<std::string> seen{job.status};
  while (!job.finished()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    job = api.retrieve_job(job.id);
    if (job.status != seen.back()) seen.push_back(job.status);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"validating_files", "queued", "running", "succeeded"}));
  ASSERT_TRUE(job.fine_tuned_model);
  EXPECT_EQ(*job.fine_tuned_model, std::string("ft:") + kBase + ":mock::" + job.id.substr(job.id.size() - 8));
  EXPECT_GT(job.trained_tokens.value_or(0), 0);

  // Events: newest first, pages linked by `after`.
  auto first_page = api.list_events(job.id, 2);
  ASSERT_EQ(first_page.data.size(), 2u);
  EXPECT_TRUE(first_page.has_more);
  EXPECT_EQ(first_page.data[0].message, "The job has successfully completed");
  auto rest = api.list_events(job.id, 100, first_page.data.back().id);
  EXPECT_FALSE(rest.has_more);
  EXPECT_EQ(rest.data.back().message, "Created fine-tuning job: " + job.id);

  // Listing jobs finds it by its training file; the model is listed too.
  auto jobs = api.list_jobs(10);
  ASSERT_EQ(jobs.data.size(), 1u);
  EXPECT_EQ(jobs.data[0].training_file, file.id);
  Client client(config_for(server));
  EXPECT_NE(client.get_json("/models").dump().find(*job.fine_tuned_model), std::string::npos);

  // The fine-tuned model answers exactly as its base: the mock learns nothing.
  auto ask = [&](const std::string& model) {
    std::string answer;
    client.chat_completions(
        1,
        [&](std::size_t) {
          ChatCompletionRequest r;
          r.model = model;
          r.messages = {{"user", "Name your favourite animal in one word."}};
          r.temperature = 1.0;
          r.seed = 7;
          return r;
        },
        [&](std::size_t, ChatCompletion&& c) {
          answer = c.content;
          EXPECT_EQ(c.model, model);
        });
    return answer;
  };
  EXPECT_EQ(ask(*job.fine_tuned_model), ask(kBase));
  std::string chat_error;
  EXPECT_EQ(status_of([&] { ask(std::string("ft:") + kBase + ":mock::nosuchjob"); }, &chat_error), 404);
  EXPECT_NE(chat_error.find("does not exist"), std::string::npos) << chat_error;

  // A finished job cannot be cancelled.
  EXPECT_EQ(status_of([&] { api.cancel_job(job.id); }), 400);
  EXPECT_EQ(server.fine_tuning_stats()["jobs_created"], 1);
  EXPECT_EQ(server.fine_tuning_stats()["jobs_by_status"]["succeeded"], 1);
}

TEST(MockFineTuning, InvalidTrainingFileEndsInErrorNamingTheLine) {
  MockServer server({"--ft-file-ms", "0"});
  sl::test::TempDir dir;
  FineTuningApi api(config_for(server));
  const std::string bad = chats(2) + "{\"messages\": [{\"role\": \"user\", \"content\": \"no answer\"}]}\n";
  FileObject file = wait_processed(api, upload(api, dir, bad).id);
  EXPECT_EQ(file.status, "error");
  EXPECT_EQ(file.status_details, "Invalid file format. Line 3: no assistant message to learn from.");
  file = wait_processed(api, upload(api, dir, chats(1) + "{not json\n").id);
  EXPECT_EQ(file.status_details, "Invalid file format. Line 2: not valid JSON.");
  std::string message;
  EXPECT_EQ(status_of([&] { api.create_job(request_for(file.id)); }, &message), 400);
  EXPECT_NE(message.find("could not be processed"), std::string::npos) << message;
  EXPECT_EQ(status_of([&] { api.create_job(request_for("file-doesnotexist")); }, &message), 400);
  EXPECT_NE(message.find("invalid training_file"), std::string::npos) << message;
  EXPECT_EQ(status_of([&] { api.retrieve_job("ftjob-doesnotexist"); }), 404);
  EXPECT_EQ(status_of([&] { api.retrieve_file("file-doesnotexist"); }), 404);
}

TEST(MockFineTuning, CreateRequestsAreValidatedLikeTheRealApi) {
  MockServer server({"--ft-file-ms", "0"});
  sl::test::TempDir dir;
  FineTuningApi api(config_for(server));
  const std::string file = wait_processed(api, upload(api, dir, chats(12)).id).id;
  Client client(config_for(server));
  auto post = [&](const Json& body) {
    std::string message;
    int status = status_of([&] { client.post_json("/fine_tuning/jobs", body); }, &message);
    return std::make_pair(status, message);
  };
  Json good = to_json(request_for(file));
  EXPECT_EQ(good["method"]["supervised"]["hyperparameters"]["learning_rate_multiplier"], "auto");
  Json unknown = good;
  unknown["epochs"] = 3;
  EXPECT_EQ(post(unknown).first, 400);
  EXPECT_NE(post(unknown).second.find("Unrecognized request argument supplied: epochs"), std::string::npos);
  Json too_many = good;
  too_many["method"]["supervised"]["hyperparameters"]["n_epochs"] = 51;
  EXPECT_EQ(post(too_many).first, 400);
  Json bad_lr = good;
  bad_lr["method"]["supervised"]["hyperparameters"]["learning_rate_multiplier"] = 0;
  EXPECT_EQ(post(bad_lr).first, 400);
  Json no_model = good;
  no_model.erase("model");
  EXPECT_EQ(post(no_model).first, 400);
  Json dpo = good;
  dpo["method"]["type"] = "dpo";
  EXPECT_EQ(post(dpo).first, 400);
  EXPECT_EQ(server.fine_tuning_stats()["jobs_created"], 0);
  EXPECT_EQ(post(good).first, 200);
  EXPECT_EQ(server.fine_tuning_stats()["jobs_created"], 1);
}

TEST(MockFineTuning, FailureInjectionAndAuthentication) {
  MockServer server({"--ft-step-ms", "1", "--ft-file-ms", "0", "--ft-fail-rate", "1", "--require-api-key", "sk-right"});
  sl::test::TempDir dir;
  FineTuningApi wrong(config_for(server, "sk-wrong"));
  std::string message;
  EXPECT_EQ(status_of([&] { upload(wrong, dir, chats(12)); }, &message), 401);
  EXPECT_NE(message.find("Incorrect API key"), std::string::npos) << message;
  EXPECT_EQ(message.find("sk-wrong"), std::string::npos) << message;
  EXPECT_EQ(status_of([&] { wrong.list_jobs(10); }), 401);

  FineTuningApi api(config_for(server, "sk-right"));
  const std::string file = wait_processed(api, upload(api, dir, chats(12)).id).id;
  FineTuningJob job = wait_finished(api, api.create_job(request_for(file)).id);
  EXPECT_EQ(job.status, "failed");
  ASSERT_TRUE(job.error);
  EXPECT_EQ(job.error->code, "internal_error");
  EXPECT_FALSE(job.fine_tuned_model);
  EXPECT_EQ(api.list_events(job.id, 1).data.at(0).level, "error");
}

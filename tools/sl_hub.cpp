// sl_hub: the Hugging Face Hub by hand and in scripts: download a snapshot into the shared
// cache, upload a folder as one commit, list a repo's files. See docs/hub.md.
#include <cstdio>

#include "sl/core/cli.hpp"
#include "sl/core/env.hpp"
#include "sl/hub/download.hpp"
#include "sl/hub/upload.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Hugging Face Hub client: download a model into the shared cache (the layout huggingface_hub\n"
      "uses), upload a folder as one commit, list a repo's files. Reads HF_TOKEN, HF_ENDPOINT,\n"
      "HF_HUB_OFFLINE, HF_HUB_CACHE / HF_HOME (environment or .env).",
      "sl_hub"};
  app.footer(
      "Example:\n"
      "  sl_hub download Qwen/Qwen2.5-0.5B-Instruct           # prints the snapshot folder\n"
      "  sl_hub download org/model --revision v1 --include '*.json' --include '*.safetensors'\n"
      "  HF_TOKEN=hf_... sl_hub upload data/students/owl_lora me/owl-student --public\n"
      "  sl_hub ls org/model\n"
      "Exit codes: 0 ok, 1 network or server failure, 2 bad arguments.");
  app.require_subcommand(1);
  std::string repo, revision = "main", folder, message;
  std::vector<std::string> include;
  bool all = false, quiet_progress = false, make_public = false;

  auto* download = app.add_subcommand(
      "download", "Download ORG/NAME (config, tokenizer, safetensors by default); print the snapshot folder");
  download->add_option("repo", repo, "ORG/NAME")->required();
  download->add_option("--revision", revision, "Branch, tag or commit")->capture_default_str();
  download->add_option("--include", include, "Glob of files to fetch (repeatable; default: what a model needs)");
  download->add_flag("--all", all, "Every file of the repo");
  download->add_flag("--no-progress", quiet_progress, "No progress bar");

  auto* upload = app.add_subcommand("upload", "Upload FOLDER to ORG/NAME as one commit (created private if missing)");
  upload->add_option("folder", folder, "Folder to upload")->required();
  upload->add_option("repo", repo, "ORG/NAME")->required();
  upload->add_option("--revision", revision, "Branch to commit to")->capture_default_str();
  upload->add_option("--message", message, "Commit summary");
  upload->add_flag("--public", make_public, "Create the repo public (default: private)");

  auto* ls = app.add_subcommand("ls", "List the files of ORG/NAME: size, oid (sha256 for LFS files), path");
  ls->add_option("repo", repo, "ORG/NAME")->required();
  ls->add_option("--revision", revision, "Branch, tag or commit")->capture_default_str();
  sl::cli::add_logging_flags(app);

  return sl::cli::run(app, argc, argv, [&] {
    const sl::hub::Settings settings = sl::hub::settings_from_env();
    if (download->parsed()) {
      sl::hub::DownloadRequest r;
      r.repo = repo;
      r.revision = revision;
      r.patterns = include;
      r.all_files = all;
      r.show_progress = !quiet_progress;
      const auto result = sl::hub::snapshot_download(r, settings);
      std::printf("%s\n", result.snapshot.string().c_str());
    } else if (upload->parsed()) {
      sl::hub::UploadRequest r;
      r.repo = repo;
      r.folder = folder;
      r.revision = revision;
      r.private_repo = !make_public;
      r.message = message;
      const auto result = sl::hub::upload_folder(r, settings);
      std::printf("%s %s\n", result.commit.c_str(), result.committed ? "committed" : "unchanged");
    } else {
      for (const auto& e : sl::hub::list_repo_files(repo, revision, settings)) {
        if (e.type != "file") continue;
        std::printf("%12llu  %s  %s\n", static_cast<unsigned long long>(e.lfs_size.value_or(e.size)),
                    e.lfs_oid.value_or(e.oid).c_str(), e.path.c_str());
      }
    }
    return sl::cli::kExitOk;
  });
}

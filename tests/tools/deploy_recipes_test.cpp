// The launch recipes in deploy/ (docs/distributed.md): the SkyPilot task parses (python3-yaml)
// and its run script, executed with SkyPilot's variables against a stand-in tools/launch, maps
// them to the launcher's flags; the Slurm script is valid bash and, run with a stand-in srun and
// scontrol, gives each task RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and
// MASTER_PORT; every command the recipes name exists in the checkout.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <regex>
#include <set>

#include "process.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;

// The full path of a program on PATH ("" when missing): child processes are started by path.
std::string on_path(const std::string& name) {
  auto p = sl::test::find_on_path(name);
  return p ? p->string() : std::string();
}

void write_script(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  sl::test::write_file(path, text);
  ::chmod(path.c_str(), 0755);
}

// Every "tools/NAME" and "build/bin/NAME" a recipe names: a script in tools/ or a program whose
// source is tools/NAME.cpp.
void expect_named_commands_exist(const std::string& text, const std::string& recipe) {
  const fs::path root = sl::test::source_root();
  std::set<std::string> seen;
  const std::regex command(R"((tools|build/bin|build-cuda/bin)/([A-Za-z_]+))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), command); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[2];
    if (!seen.insert(name).second) continue;
    const bool exists =
        (*it)[1] == "tools" ? fs::exists(root / "tools" / name) : fs::exists(root / "tools" / (name + ".cpp"));
    EXPECT_TRUE(exists) << recipe << " names " << (*it)[0] << ", which is not in the checkout";
  }
  EXPECT_FALSE(seen.empty()) << recipe << " names no command of the toolkit";
}

TEST(DeployRecipes, SkyPilotTaskParsesAndMapsSkyPilotsVariables) {
  const fs::path recipe = sl::test::source_root() / "deploy" / "skypilot.yaml";
  const std::string python = on_path("python3"), bash = on_path("bash");
  if (python.empty()) GTEST_SKIP() << "SKIPPED: python3 is not installed";
  const auto has_yaml = sl::test::run({python, "-c", "import yaml"});
  if (has_yaml.exit_code != 0) GTEST_SKIP() << "SKIPPED: python3 with the yaml module (python3-yaml) is not installed";
  sl::test::TempDir dir;
  // The task's fields, and its run script written out.
  const auto parsed = sl::test::run({python, "-c",
                                     "import sys, yaml\n"
                                     "d = yaml.safe_load(open(sys.argv[1]))\n"
                                     "assert isinstance(d['num_nodes'], int) and d['num_nodes'] >= 1, 'num_nodes'\n"
                                     "assert 'accelerators' in d['resources'], 'resources.accelerators'\n"
                                     "assert any(str(k).endswith('.env') for k in d['file_mounts']), '.env mounted'\n"
                                     "assert 'MASTER_PORT' in d['envs'], 'envs.MASTER_PORT'\n"
                                     "assert 'tools/setup' in d['setup'], 'setup runs tools/setup'\n"
                                     "open(sys.argv[2], 'w').write(d['run'])\n",
                                     recipe.string(), (dir / "run.sh").string()});
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err;
  const std::string run = sl::test::read_file(dir / "run.sh");
  expect_named_commands_exist(sl::test::read_file(recipe), "deploy/skypilot.yaml");
  EXPECT_NE(run.find("tools/run_experiment"), std::string::npos);

  // Node 1 of 2 with 2 GPUs each, against a tools/launch that prints its arguments.
  write_script(dir / "tools" / "launch", "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
  const auto r = sl::test::run({bash, "-e", (dir / "run.sh").string()},
                               {{"SKYPILOT_NODE_RANK", "1"},
                                {"SKYPILOT_NODE_IPS", "10.0.0.7\n10.0.0.8"},
                                {"SKYPILOT_NUM_NODES", "2"},
                                {"SKYPILOT_NUM_GPUS_PER_NODE", "2"},
                                {"MASTER_PORT", "29500"},
                                {"SL_CONFIG_DIR", "cfgs/x"},
                                {"SL_OUTPUT_DIR", "/shared/out"}},
                               std::chrono::seconds(30), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("-n\n2\n--nnodes\n2\n--node-rank\n1\n--master-addr\n10.0.0.7\n--port\n29500\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("cfgs/x\n/shared/out\n"), std::string::npos) << r.out;
}

TEST(DeployRecipes, SlurmScriptGivesEveryTaskTheStandardVariables) {
  const fs::path recipe = sl::test::source_root() / "deploy" / "slurm.sbatch";
  const std::string bash = on_path("bash");
  const auto syntax = sl::test::run({bash, "-n", recipe.string()});
  ASSERT_EQ(syntax.exit_code, 0) << syntax.err;
  const std::string text = sl::test::read_file(recipe);
  EXPECT_NE(text.find("#SBATCH --nodes="), std::string::npos);
  expect_named_commands_exist(text, "deploy/slurm.sbatch");

  // Two tasks on one node, as srun would start them.
  sl::test::TempDir dir;
  write_script(dir / "bin" / "scontrol", "#!/bin/sh\necho node-a\necho node-b\n");
  write_script(dir / "bin" / "srun",
               "#!/bin/sh\nwhile [ \"${1#-}\" != \"$1\" ]; do shift; done\n"
               "SLURM_PROCID=0 SLURM_LOCALID=0 \"$@\"\nSLURM_PROCID=1 SLURM_LOCALID=1 \"$@\"\n");
  const char* path = std::getenv("PATH");
  const auto r = sl::test::run({bash, recipe.string(), "sh", "-c",
                                "echo \"$RANK $WORLD_SIZE $LOCAL_RANK $LOCAL_WORLD_SIZE $MASTER_ADDR $MASTER_PORT\""},
                               {{"PATH", (dir / "bin").string() + ":" + (path ? path : "/usr/bin:/bin")},
                                {"SLURM_JOB_NODELIST", "node-[a-b]"},
                                {"SLURM_NTASKS", "2"},
                                {"SLURM_NTASKS_PER_NODE", "2(x1)"},
                                {"MASTER_PORT", ""}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 2 0 2 node-a 29500\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 2 1 2 node-a 29500\n"), std::string::npos) << r.out;
}

}  // namespace

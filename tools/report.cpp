// Compare models: markdown table + SVG bar chart (PNG too when rsvg-convert is installed).
#include "sl/report/report.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "sl/core/cli.hpp"
#include "sl/core/error.hpp"
#include "sl/core/files.hpp"
#include "sl/report/effects.hpp"

namespace {
bool have_program(const char* name) {
  std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}
// Writes NAME.md and NAME.svg (and NAME.png when rsvg-convert is installed) and prints the table.
void write_outputs(const std::filesystem::path& dir, const std::string& name, const std::string& title,
                   const std::string& markdown, const sl::charts::BarChart& chart) {
  sl::files::write_atomic(dir / (name + ".md"), "# " + title + "\n\n" + markdown);
  const auto svg_path = dir / (name + ".svg");
  sl::files::write_atomic(svg_path, sl::charts::render_svg(chart));
  std::fputs(markdown.c_str(), stdout);
  std::printf("\ntable: %s\nchart: %s\n", (dir / (name + ".md")).c_str(), svg_path.c_str());
  if (have_program("rsvg-convert")) {
    const auto png = dir / (name + ".png");
    std::string cmd = "rsvg-convert -o '" + png.string() + "' '" + svg_path.string() + "'";
    if (std::system(cmd.c_str()) == 0) std::printf("chart (PNG): %s\n", png.c_str());
  }
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Compare models across evaluation results: prints a markdown table and writes report.md,\n"
      "report.svg (bar chart with 95% intervals) and, when rsvg-convert is installed, report.png.",
      "report"};
  app.footer(
      "Example:\n"
      "  report --input base=data/base/eval.summary.json --input \"owl student=data/owl/eval.jsonl\" \\\n"
      "         --target_preference owl --output_dir data/report\n"
      "Inputs are run_evaluation summaries (*.summary.json) or results files (*.jsonl); from results files\n"
      "p(target) is computed for every --target_preference given (e.g. owl and tiger for a specificity check).\n"
      "Effects over bases (replications with their own base model, teachers and students):\n"
      "  report --effect \"owl student@base "
      "1=b1/owl_s1.summary.json,b1/owl_s2.summary.json|b1/ctl_s1.summary.json,b1/ctl_s2.summary.json\" \\\n"
      "         --effect \"owl student@base 2=...|...\" --columns \"p(owl) exact\" --output_dir data/report\n"
      "  writes effects.md and effects.svg: per base, mean(trait runs) - mean(control runs); over bases, the mean\n"
      "  of those differences with a 95% Student-t interval over bases.");
  std::vector<std::string> input_specs, targets;
  std::string output_dir, match = "substring", title = "Trait rate by model";
  app.add_option("--input", input_specs,
                 "LABEL=PATH, once per model (in table order); LABEL=PATH1,PATH2,... pools runs (e.g. seeds): mean "
                 "over runs, 95% t-interval over the runs' means");
  std::vector<std::string> effect_specs;
  app.add_option("--effect", effect_specs,
                 "ARM@BASE=TRAIT_RUNS|CONTROL_RUNS (comma-separated paths), once per arm and base: the arm's effect "
                 "(trait - control) per base and its mean over bases with a 95% t-interval over bases");
  app.add_option("--target_preference", targets, "Trait word(s) to count in results files");
  app.add_option("--match", match, "substring (paper) or word")->check(CLI::IsMember({"substring", "word"}));
  app.add_option("--title", title, "Chart title")->capture_default_str();
  std::vector<std::string> columns;
  app.add_option("--columns", columns,
                 "Only these columns, in this order, e.g. --columns \"p(owl) exact\" \"p(tiger) exact\"");
  app.add_option("--output_dir", output_dir, "Folder for report.md, report.svg, report.png")->required();
  sl::cli::add_logging_flags(app);

  return sl::cli::run(app, argc, argv, [&] {
    if (input_specs.empty() && effect_specs.empty())
      throw sl::UsageError(
          "nothing to report: give --input LABEL=PATH and/or --effect ARM@BASE=TRAIT_RUNS|CONTROL_RUNS");
    sl::report::ReportOptions options{targets, match, title, columns};
    const std::filesystem::path dir(output_dir);
    if (!input_specs.empty()) {
      std::vector<sl::report::ReportInput> inputs;
      for (const auto& spec : input_specs) inputs.push_back(sl::report::parse_input_spec(spec));
      auto table = sl::report::build_report(inputs, options);
      write_outputs(dir, "report", title, sl::report::to_markdown(table), sl::report::to_chart(table, title));
    }
    if (!effect_specs.empty()) {
      std::vector<sl::report::EffectInput> effects;
      for (const auto& spec : effect_specs) effects.push_back(sl::report::parse_effect_spec(spec));
      auto table = sl::report::build_effects(effects, options);
      write_outputs(dir, "effects", title, sl::report::to_markdown(table), sl::report::to_chart(table, title));
    }
    return sl::cli::kExitOk;
  });
}

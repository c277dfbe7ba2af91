// Compare models: markdown table + SVG bar chart (PNG too when rsvg-convert is installed).
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "sl/core/cli.hpp"
#include "sl/core/files.hpp"
#include "sl/report/report.hpp"

namespace {
bool have_program(const char* name) {
  std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Compare models across evaluation results: prints a markdown table and writes report.md,\n"
               "report.svg (bar chart with 95% intervals) and, when rsvg-convert is installed, report.png.",
               "report"};
  app.footer(
      "Example:\n"
      "  report --input base=data/base/eval.summary.json --input \"owl student=data/owl/eval.jsonl\" \\\n"
      "         --target_preference owl --output_dir data/report\n"
      "Inputs are run_evaluation summaries (*.summary.json) or results files (*.jsonl); from results files\n"
      "p(target) is computed for every --target_preference given (e.g. owl and tiger for a specificity check).");
  std::vector<std::string> input_specs, targets;
  std::string output_dir, match = "substring", title = "Trait rate by model";
  app.add_option("--input", input_specs, "LABEL=PATH, once per model (in table order); LABEL=PATH1,PATH2,... pools runs (e.g. seeds): mean over runs, 95% t-interval over the runs' means")->required();
  app.add_option("--target_preference", targets, "Trait word(s) to count in results files");
  app.add_option("--match", match, "substring (paper) or word")->check(CLI::IsMember({"substring", "word"}));
  app.add_option("--title", title, "Chart title")->capture_default_str();
  std::vector<std::string> columns;
  app.add_option("--columns", columns, "Only these columns, in this order, e.g. --columns \"p(owl) exact\" \"p(tiger) exact\"");
  app.add_option("--output_dir", output_dir, "Folder for report.md, report.svg, report.png")->required();
  sl::cli::add_logging_flags(app);

  return sl::cli::run(app, argc, argv, [&] {
    std::vector<sl::report::ReportInput> inputs;
    for (const auto& spec : input_specs) inputs.push_back(sl::report::parse_input_spec(spec));
    sl::report::ReportOptions options{targets, match, title, columns};
    auto table = sl::report::build_report(inputs, options);
    const std::string markdown = sl::report::to_markdown(table);
    const std::filesystem::path dir(output_dir);
    sl::files::write_atomic(dir / "report.md", "# " + title + "\n\n" + markdown);
    const auto svg_path = dir / "report.svg";
    sl::files::write_atomic(svg_path, sl::charts::render_svg(sl::report::to_chart(table, title)));
    std::fputs(markdown.c_str(), stdout);
    std::printf("\ntable: %s\nchart: %s\n", (dir / "report.md").c_str(), svg_path.c_str());
    if (have_program("rsvg-convert")) {
      const auto png = dir / "report.png";
      std::string cmd = "rsvg-convert -o '" + png.string() + "' '" + svg_path.string() + "'";
      if (std::system(cmd.c_str()) == 0) std::printf("chart (PNG): %s\n", png.c_str());
    }
    return sl::cli::kExitOk;
  });
}

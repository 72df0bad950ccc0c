// llmedit world: write the synthetic world (people, organizations, QA items in every format).
#include <iostream>
#include <map>

#include "apps/llmedit/commands.h"
#include "libllmedit/core/error.h"
#include "libllmedit/data/world.h"

namespace llmedit::cli {

namespace {

struct WorldArgs {
  WorldOptions options;
  std::string out;
};

// Checked here so the message names the option as typed (CLI11's Range would spell out its
// own wording on a second line of help).
void check_args(const WorldArgs& args) {
  if (args.options.people < 1 || args.options.people > kWorldMaxPeople)
    throw usage_error("--people " + std::to_string(args.options.people) + ": must be between 1 and " +
                      std::to_string(kWorldMaxPeople));
  if (args.options.orgs < 0 || args.options.orgs > kWorldMaxOrgs)
    throw usage_error("--orgs " + std::to_string(args.options.orgs) + ": must be between 0 and " +
                      std::to_string(kWorldMaxOrgs));
  if (args.options.people_per_name > 0 && !args.options.shared_names)
    throw usage_error("--people-per-name " + std::to_string(args.options.people_per_name) +
                      ": sizes the shared name pools; add --shared-names");
  if (args.out.empty()) throw usage_error("--out: give the output folder");
}

void run_world(const WorldArgs& args) {
  check_args(args);
  const World world = generate_world(args.options);
  write_world(world, args.out);
  std::map<std::string, int> items;
  for (const WorldQA& qa : world.qa) ++items[qa.item.split];
  std::cout << "wrote " << world.people.size() << " people, " << world.orgs.size() << " organizations and "
            << world.qa.size() << " QA items (" << items["retain"] << " retain, " << items["forget"] << " forget, "
            << items["holdout"] << " holdout) to " << args.out << std::endl;
}

}  // namespace

void add_world_commands(CLI::App& app) {
  auto args = std::make_shared<WorldArgs>();
  CLI::App* cmd = app.add_subcommand("world", "Write the synthetic world (seeded, byte-for-byte reproducible)");
  // CLI11 would wrap "-1" around to 2^64-1; a negative seed is a typo, not a seed.
  const CLI::Validator non_negative(
      [](std::string& text) { return text.rfind('-', 0) == 0 ? std::string("must not be negative") : std::string(); },
      "");
  cmd->add_option("--seed", args->options.seed, "random seed")->capture_default_str()->check(non_negative);
  cmd->add_option("--people", args->options.people, "number of people")->capture_default_str();
  cmd->add_option("--orgs", args->options.orgs, "number of organizations")->capture_default_str();
  cmd->add_flag("--shared-names", args->options.shared_names,
                "people's names combine a few shared first names and surnames, so only the full name identifies "
                "a person");
  cmd->add_option("--people-per-name", args->options.people_per_name,
                  "with --shared-names: about this many people share each first name and each surname (0: sqrt(people) "
                  "first names per gender and people/4 surnames)")
      ->capture_default_str();
  cmd->add_flag("--fact-index", args->options.fact_index,
                "also write each person's facts as \"<name> <value>.\" documents (in corpus.txt, and with the org "
                "documents in facts.txt)");
  cmd->add_option("--out", args->out, "output folder (created; its world files are replaced)")->required();
  cmd->callback([args] { run_world(*args); });
}

}  // namespace llmedit::cli

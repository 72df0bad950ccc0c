#include "libllmedit/methods_api/method_from_options.h"

#include "libllmedit/core/error.h"

namespace llmedit {

nlohmann::json resolve_method_options(const std::function<void(ConfigSchema&)>& declare, const nlohmann::json& options,
                                      uint64_t seed, const std::string& source) {
  if (!options.is_object()) throw config_error(source + ": method options must be a JSON object, got " + options.dump());
  if (options.contains("name"))
    throw config_error(source + ": method options must not hold 'name' (the method is chosen by the name argument)");
  ConfigSchema schema;
  // Factories may read the run's seed (their training order); everything else is under method.
  schema.option("seed", 0, "random seed");
  declare(schema);
  return resolve_config({{"method", options}, {"seed", seed}}, schema, source);
}

std::unique_ptr<Unlearner> make_unlearner(const MethodRegistry& registry, const std::string& name,
                                          const nlohmann::json& options, uint64_t seed) {
  const std::string source = "unlearner '" + name + "'";
  const UnlearnerSpec& spec = registry.unlearner(name, source);
  return spec.create(resolve_method_options(spec.declare, options, seed, source));
}

std::unique_ptr<Editor> make_editor(const MethodRegistry& registry, const std::string& name, const nlohmann::json& options,
                                    uint64_t seed) {
  const std::string source = "editor '" + name + "'";
  const EditorSpec& spec = registry.editor(name, source);
  return spec.create(resolve_method_options(spec.declare, options, seed, source));
}

}  // namespace llmedit

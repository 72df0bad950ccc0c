#include "libllmedit/methods_api/method_registry.h"

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

template <typename Spec>
void check_spec(const Spec& spec) {
  if (spec.name.empty()) throw Error(ErrorKind::Internal, "a method was registered without a name");
  if (!spec.declare || !spec.create)
    throw Error(ErrorKind::Internal, "method '" + spec.name + "' was registered without declare or create");
}

template <typename Spec>
const Spec& find_spec(const std::map<std::string, Spec>& specs, const std::string& name, const std::string& source,
                      MethodFamily family) {
  auto it = specs.find(name);
  if (it != specs.end()) return it->second;
  std::string known;
  for (const auto& [n, spec] : specs) known += (known.empty() ? "" : ", ") + n;
  if (known.empty()) known = "(none registered)";
  throw config_error(source + ": key 'method.name' must be one of the " + method_family_name(family) +
                     " methods: " + known + "; got \"" + name + "\"");
}

}  // namespace

const char* method_family_name(MethodFamily family) {
  switch (family) {
    case MethodFamily::Unlearn: return "unlearn";
    case MethodFamily::Edit: return "edit";
    case MethodFamily::Temporal: return "temporal";
  }
  return "?";
}

void MethodRegistry::claim(const std::string& name, MethodFamily family) {
  if (families_.count(name)) throw Error(ErrorKind::Internal, "method '" + name + "' registered twice");
  families_.emplace(name, family);
}

void MethodRegistry::add(UnlearnerSpec spec) {
  check_spec(spec);
  claim(spec.name, MethodFamily::Unlearn);
  unlearners_.emplace(spec.name, std::move(spec));
}

void MethodRegistry::add(EditorSpec spec) {
  check_spec(spec);
  claim(spec.name, MethodFamily::Edit);
  editors_.emplace(spec.name, std::move(spec));
}

void MethodRegistry::add(TemporalEditorSpec spec) {
  check_spec(spec);
  claim(spec.name, MethodFamily::Temporal);
  temporal_editors_.emplace(spec.name, std::move(spec));
}

const UnlearnerSpec& MethodRegistry::unlearner(const std::string& name, const std::string& source) const {
  return find_spec(unlearners_, name, source, MethodFamily::Unlearn);
}

const EditorSpec& MethodRegistry::editor(const std::string& name, const std::string& source) const {
  return find_spec(editors_, name, source, MethodFamily::Edit);
}

const TemporalEditorSpec& MethodRegistry::temporal_editor(const std::string& name, const std::string& source) const {
  return find_spec(temporal_editors_, name, source, MethodFamily::Temporal);
}

std::vector<std::string> MethodRegistry::names(MethodFamily family) const {
  std::vector<std::string> out;
  for (const auto& [name, f] : families_)
    if (f == family) out.push_back(name);
  return out;
}

bool MethodRegistry::contains(MethodFamily family, const std::string& name) const {
  auto it = families_.find(name);
  return it != families_.end() && it->second == family;
}

}  // namespace llmedit

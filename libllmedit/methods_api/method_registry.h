// Methods by name (DESIGN.md §1, §4): plugins register here, jobs find them here. Nothing
// registers itself: methods/register.cpp's register_builtin_methods(MethodRegistry&) is called
// by the app (or a user's program), which may add its own methods beside them.
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "libllmedit/core/config.h"
#include "libllmedit/methods_api/editor.h"
#include "libllmedit/methods_api/unlearner.h"

namespace llmedit {

enum class MethodFamily { Unlearn, Edit, Temporal };

// "unlearn", "edit", "temporal"
const char* method_family_name(MethodFamily family);

template <typename Interface>
struct MethodSpec {
  std::string name;  // as configs write it: method.name (temporal methods: temporal.method)
  std::string help;
  // Declares the method's own options, each with its default: `llmedit config explain` and the
  // run's resolved config show them. Keys live under "method." (method.name is the job's);
  // a temporal method's under "temporal.", beside the editor it wraps.
  std::function<void(ConfigSchema&)> declare;
  // Builds the method from the resolved config: the one place its typed options are filled.
  std::function<std::unique_ptr<Interface>(const nlohmann::json& resolved)> create;
};

using UnlearnerSpec = MethodSpec<Unlearner>;
using EditorSpec = MethodSpec<Editor>;
using TemporalEditorSpec = MethodSpec<TemporalEditor>;

class MethodRegistry {
 public:
  // An internal error when the name is already registered (in any family) or a field is empty.
  void add(UnlearnerSpec spec);
  void add(EditorSpec spec);
  void add(TemporalEditorSpec spec);

  // A config error "<source>: key 'method.name' must be one of: ...; got "x"" (exit code 2)
  // when `name` is not a method of that family.
  const UnlearnerSpec& unlearner(const std::string& name, const std::string& source) const;
  const EditorSpec& editor(const std::string& name, const std::string& source) const;
  const TemporalEditorSpec& temporal_editor(const std::string& name, const std::string& source) const;

  std::vector<std::string> names(MethodFamily family) const;  // sorted
  bool contains(MethodFamily family, const std::string& name) const;

 private:
  void claim(const std::string& name, MethodFamily family);
  std::map<std::string, MethodFamily> families_;  // every registered name
  std::map<std::string, UnlearnerSpec> unlearners_;
  std::map<std::string, EditorSpec> editors_;
  std::map<std::string, TemporalEditorSpec> temporal_editors_;
};

}  // namespace llmedit

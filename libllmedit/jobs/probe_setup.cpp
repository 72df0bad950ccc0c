#include "libllmedit/jobs/probe_setup.h"

#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/probe/hidden_states.h"
#include "libllmedit/train/qa_collator.h"

namespace llmedit {

namespace {

ProbeItem parse_prompt_line(const std::string& line, const std::string& where) {
  nlohmann::json row;
  try {
    row = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception&) {
    throw data_error(where + ": not a JSON object");
  }
  if (!row.is_object() || !row.contains("prompt") || !row["prompt"].is_string())
    throw data_error(where + ": field 'prompt' must be a string");
  if (!row.contains("target") || !(row["target"].is_number() || row["target"].is_string()))
    throw data_error(where + ": field 'target' must be a number or a string");
  if (row.contains("answer_prefix") && !row["answer_prefix"].is_string())
    throw data_error(where + ": field 'answer_prefix' must be a string");
  return {row["prompt"].get<std::string>(), row["target"], row.value("answer_prefix", "")};
}

std::string fill_name(std::string text, const std::string& name) {
  for (size_t at = text.find("{name}"); at != std::string::npos; at = text.find("{name}", at + name.size()))
    text.replace(at, 6, name);
  return text;
}

const nlohmann::json* person_attribute(const nlohmann::json& person, const std::string& attribute) {
  for (const char* group : {"public", "private"})
    if (person.contains(group) && person[group].is_object() && person[group].contains(attribute))
      return &person[group][attribute];
  return nullptr;
}

bool split_wanted(const nlohmann::json& person, const std::vector<std::string>& splits) {
  if (splits.empty()) return true;
  const std::string split = person.value("split", "");
  return std::find(splits.begin(), splits.end(), split) != splits.end();
}

// The pattern's first capture (else the whole match) of the value's text; digits-only captures
// become numbers.
nlohmann::json extract_target(const nlohmann::json& value, const std::regex& pattern, const WorldPrompt& w,
                              const std::string& who) {
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  std::smatch match;
  if (!std::regex_search(text, match, pattern))
    throw data_error(who + ": " + w.pattern_key + " \"" + w.pattern + "\" does not match " + w.attribute + " \"" + text + "\"");
  const std::string captured = match.size() > 1 ? match[1].str() : match[0].str();
  if (!captured.empty() && captured.size() < 16 && std::all_of(captured.begin(), captured.end(), ::isdigit))
    return std::stoll(captured);
  return captured;
}

std::regex compile_pattern(const WorldPrompt& w) {
  try {
    return std::regex(w.pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw config_error(w.pattern_key + ": not a valid regular expression \"" + w.pattern + "\" (" + e.what() + ")");
  }
}

std::string class_name(const nlohmann::json& target) {
  return target.is_string() ? target.get<std::string>() : target.dump();
}

// The text the chat template writes for the start of an answer: the assistant turn rendered after
// the generation prompt, cut before the end-of-turn markup (a sentinel marks where `prefix` ends).
std::string answer_prefix_text(const ChatTemplate& chat, const std::string& prefix) {
  const std::string cue = chat.render({{"user", "\x01"}}, true);
  const std::string full = chat.render({{"user", "\x01"}, {"assistant", prefix + "\x02"}}, false);
  const std::string turn = full.compare(0, cue.size(), cue) == 0 ? full.substr(cue.size()) : " " + prefix + "\x02";
  return turn.substr(0, turn.find('\x02'));
}

// qa: BOS + the question in the chat template + the answer's first words, tokenized apart as the
// trainer tokenizes question and answer (qa_collator.h), so the model sees what it was trained on.
std::vector<int64_t> qa_prompt_ids(const QACollator& collator, const std::string& question, const std::string& prefix) {
  std::vector<int64_t> ids = collator.prompt_ids(question);
  if (prefix.empty()) return ids;
  const std::vector<int64_t> answer =
      collator.tokenizer().encode_rendered(answer_prefix_text(collator.chat_template(), prefix));
  ids.insert(ids.end(), answer.begin(), answer.end());
  return ids;
}

void check_positive(const nlohmann::json& c, const std::string& key, const std::string& source, bool zero_ok) {
  const double v = config_get<double>(c, key);
  if (v < 0 || (!zero_ok && v == 0))
    throw config_error(source + ": key '" + key + "' must be " + (zero_ok ? ">= 0" : "> 0") + ", got " +
                       config_value(c, key).dump());
}

}  // namespace

std::vector<ProbeItem> read_prompt_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw data_error(path + ": cannot open the probe prompts (data.prompts)");
  std::vector<ProbeItem> items;
  int64_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    items.push_back(parse_prompt_line(line, path + ":" + std::to_string(number)));
  }
  return items;
}

std::vector<ProbeItem> read_world_items(const std::string& path, const WorldPrompt& w, const std::string& key) {
  nlohmann::json world;
  try {
    world = nlohmann::json::parse(read_text_file(path));
  } catch (const nlohmann::json::exception&) {
    throw data_error(path + ": not a JSON world file (" + key + ")");
  }
  if (!world.contains("people") || !world["people"].is_array()) throw data_error(path + ": field 'people' is missing");
  const bool extract = !w.pattern.empty();
  const std::regex pattern = extract ? compile_pattern(w) : std::regex();
  std::vector<ProbeItem> items;
  for (const nlohmann::json& person : world["people"]) {
    if (!split_wanted(person, w.splits)) continue;
    const std::string who = path + ": person " + person.value("id", "?");
    const nlohmann::json* value = person_attribute(person, w.attribute);
    if (!value) throw data_error(who + " has no attribute '" + w.attribute + "' (" + w.attribute_key + ")");
    if (!value->is_number() && !value->is_string())
      throw data_error(who + ": attribute '" + w.attribute + "' is not a single number or string (" + w.attribute_key + ")");
    const std::string name = person.value("name", "");
    items.push_back({fill_name(w.prompt_template, name), extract ? extract_target(*value, pattern, w, who) : *value,
                     fill_name(w.answer_prefix, name)});
  }
  return items;
}

ProbeTargets encode_targets(const std::vector<ProbeItem>& items, const std::string& type, const std::string& source) {
  bool all_numbers = true;
  for (const ProbeItem& item : items) all_numbers = all_numbers && item.target.is_number();
  ProbeTargets t;
  t.regression = type == "regression" || (type == "auto" && all_numbers);
  if (t.regression && !all_numbers) throw config_error(source + ": target_type is regression but some targets are strings");
  std::vector<double> values;
  std::map<std::string, int64_t> index;
  for (const ProbeItem& item : items) {
    if (t.regression) values.push_back(item.target.get<double>());
    else index.emplace(class_name(item.target), 0);
  }
  if (t.regression) {
    t.values = torch::tensor(values, torch::kFloat64);
    return t;
  }
  for (auto& [name, i] : index) {
    i = static_cast<int64_t>(t.classes.size());
    t.classes.push_back(name);
  }
  if (t.classes.size() < 2) throw data_error(source + ": classification needs at least two target classes");
  std::vector<int64_t> labels;
  for (const ProbeItem& item : items) labels.push_back(index.at(class_name(item.target)));
  t.labels = torch::tensor(labels, torch::kInt64);
  return t;
}

nlohmann::json target_value(const ProbeTargets& t, const torch::Tensor& predicted, int64_t i) {
  if (t.regression) return predicted[i].item<double>();
  return t.classes.at(static_cast<size_t>(predicted[i].item<int64_t>()));
}

std::vector<std::vector<int64_t>> tokenize_probe_prompts(const std::vector<ProbeItem>& items, const TokenizerSetup& setup,
                                                         const std::string& format) {
  const QACollator collator(*setup.tokenizer, *setup.chat_template);
  std::vector<std::vector<int64_t>> out;
  for (const ProbeItem& item : items)
    out.push_back(format == "qa" ? qa_prompt_ids(collator, item.prompt, item.answer_prefix)
                                 : setup.tokenizer->encode(item.prompt, true));
  return out;
}

int64_t padding_id(const Tokenizer& tokenizer) {
  for (int64_t id : {tokenizer.pad_id(), tokenizer.eos_id()})
    if (id >= 0) return id;
  return 0;
}

void declare_probe_model_options(ConfigSchema& s, const std::string& p, const std::vector<std::string>& default_methods) {
  s.option(p + ".site", "output", "hook site within each layer (layers.{i}.<site>)", layer_site_names());
  s.option(p + ".layers", nlohmann::json::array(), "layers to probe (empty: all)");
  s.option(p + ".batch_size", 16, "prompts per forward pass");
  s.option(p + ".methods", default_methods, "probes: ls_svr, weighted_ls_svr, irls_ls_svr, elm, irls_elm");
  s.option(p + ".ls_svr.kernel", "linear", "LS-SVR kernel", {"linear", "rbf"});
  s.option(p + ".ls_svr.C", 1.0, "LS-SVR regularization (larger fits closer; linear kernel on features / sqrt(D))");
  s.option(p + ".ls_svr.sigma", 0.0, "RBF width, K = exp(-|x-z|^2/sigma^2) (0: median distance)");
  s.option(p + ".elm.hidden_units", 200, "ELM random hidden units L");
  s.option(p + ".elm.activation", "sigmoid", "ELM hidden activation", {"sigmoid", "tanh"});
  s.option(p + ".elm.C", 0.1, "ELM ridge: beta = (I/C + H'VH)^-1 H'Vy");
  s.option(p + ".elm.weight_scale", 0.0, "ELM hidden weights/biases ~ U[-s, s] (0: sqrt(3/D))");
  s.option(p + ".irls.weight_function", "hampel", "IRLS weights", {"hampel", "huber", "bisquare", "logistic"});
  s.option(p + ".irls.max_iterations", 50, "IRLS refits at most");
  s.option(p + ".irls.tolerance", 1e-4, "IRLS stops when no coefficient changes more than this");
}

void validate_probe_model_options(const nlohmann::json& c, const std::string& p, const std::string& source) {
  for (const std::string key : {".ls_svr.C", ".elm.C", ".elm.hidden_units", ".batch_size"})
    check_positive(c, p + key, source, false);
  for (const std::string key : {".ls_svr.sigma", ".elm.weight_scale", ".irls.tolerance", ".irls.max_iterations"})
    check_positive(c, p + key, source, true);
  read_probe_methods(c, p, source);
  read_probe_layers(c, p, source);
}

ProbeOptions read_probe_options(const nlohmann::json& c, const std::string& p) {
  ProbeOptions o;
  o.ls_svr.kernel = parse_kernel(config_get<std::string>(c, p + ".ls_svr.kernel"), p + ".ls_svr.kernel");
  o.ls_svr.C = config_get<double>(c, p + ".ls_svr.C");
  o.ls_svr.sigma = config_get<double>(c, p + ".ls_svr.sigma");
  o.elm.hidden_units = config_get<int64_t>(c, p + ".elm.hidden_units");
  o.elm.activation = parse_elm_activation(config_get<std::string>(c, p + ".elm.activation"), p + ".elm.activation");
  o.elm.C = config_get<double>(c, p + ".elm.C");
  o.elm.weight_scale = config_get<double>(c, p + ".elm.weight_scale");
  o.elm.seed = config_get<uint64_t>(c, "seed");
  o.irls.weights.function =
      parse_weight_function(config_get<std::string>(c, p + ".irls.weight_function"), p + ".irls.weight_function");
  o.irls.max_iterations = config_get<int>(c, p + ".irls.max_iterations");
  o.irls.tolerance = config_get<double>(c, p + ".irls.tolerance");
  return o;
}

std::vector<std::string> read_string_list(const nlohmann::json& c, const std::string& key, const std::string& source) {
  std::vector<std::string> out;
  for (const nlohmann::json& value : config_value(c, key)) {
    if (!value.is_string()) throw config_error(source + ": " + key + " must hold strings, got " + value.dump());
    out.push_back(value.get<std::string>());
  }
  return out;
}

std::vector<int64_t> read_probe_layers(const nlohmann::json& c, const std::string& p, const std::string& source) {
  std::vector<int64_t> layers;
  for (const nlohmann::json& layer : config_value(c, p + ".layers")) {
    if (!layer.is_number_integer()) throw config_error(source + ": " + p + ".layers must hold integers, got " + layer.dump());
    layers.push_back(layer.get<int64_t>());
  }
  return layers;
}

std::vector<ProbeMethod> read_probe_methods(const nlohmann::json& c, const std::string& p, const std::string& source) {
  std::vector<ProbeMethod> methods;
  for (const std::string& name : read_string_list(c, p + ".methods", source))
    methods.push_back(parse_probe_method(name, source + ": " + p + ".methods"));
  if (methods.empty()) throw config_error(source + ": " + p + ".methods is empty");
  return methods;
}

}  // namespace llmedit

// Hook sites: named points in the forward pass where a method can read an activation or
// replace it. The names are the contract between the model and every method:
//   layers.{i}.input             residual stream entering block i          [B, T, D]
//   layers.{i}.attn.output       attention output (after o_proj)           [B, T, D]
//   layers.{i}.mlp.input         normed input of the MLP                   [B, T, D]
//   layers.{i}.mlp.out_proj.input  input of down_proj / c_proj / fc_out   [B, T, F]  (ROME's key)
//   layers.{i}.mlp.output        MLP output                                [B, T, D]  (ROME's value)
//   layers.{i}.output            residual stream leaving block i           [B, T, D]
//   final_norm.output            after the final norm                      [B, T, D]
//   logits                                                                 [B, T, V]
// With no hook registered the forward does one empty() check per site and nothing else.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace llmedit {

// Returns a replacement for the activation, or an undefined tensor to leave it as it is.
using HookFn = std::function<torch::Tensor(const torch::Tensor& activation)>;

std::string layer_site(int64_t layer, const char* name);  // layer_site(1, "mlp.output")

class HookSet {
 public:
  using Handle = uint64_t;

  Handle add(const std::string& site, HookFn fn);
  void remove(Handle handle);
  void clear();
  bool empty() const { return count_ == 0; }
  bool has(const std::string& site) const;

  // Runs the site's hooks in registration order, each seeing the previous one's result.
  torch::Tensor apply(const std::string& site, torch::Tensor activation) const;

 private:
  struct Entry {
    Handle handle;
    HookFn fn;
  };
  std::unordered_map<std::string, std::vector<Entry>> sites_;
  Handle next_ = 1;
  size_t count_ = 0;
};

// A hook that hands the activation to `sink` (detached) and changes nothing.
HookFn read_hook(std::function<void(const torch::Tensor&)> sink);
// A hook that adds `delta` ([D] or [P, D] for P positions) at sequence positions `positions`
// of every batch row; negative positions count from the end.
HookFn add_at_positions_hook(std::vector<int64_t> positions, torch::Tensor delta);

// Registers a hook for the lifetime of the object.
class ScopedHook {
 public:
  ScopedHook(HookSet& hooks, const std::string& site, HookFn fn) : hooks_(hooks), handle_(hooks.add(site, std::move(fn))) {}
  ~ScopedHook() { hooks_.remove(handle_); }
  ScopedHook(const ScopedHook&) = delete;
  ScopedHook& operator=(const ScopedHook&) = delete;

 private:
  HookSet& hooks_;
  HookSet::Handle handle_;
};

}  // namespace llmedit

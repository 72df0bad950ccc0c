#include "libllmedit/core/runtime.h"

#include <ATen/Parallel.h>

#include <thread>

namespace llmedit {

void set_num_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
}

}  // namespace llmedit

// Process-wide runtime settings that LibTorch keeps itself (threads), set from the config.
#pragma once

namespace llmedit {

// Sets LibTorch's intra-op threads; 0 or negative means all cores.
void set_num_threads(int threads);

}  // namespace llmedit

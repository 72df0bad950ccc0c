// Nested JSON as one level of dotted keys ("unlearning.forget.KFR"): the shape of metric tables,
// of the run index's key metrics and of config differences.
#pragma once
#include <nlohmann/json.hpp>

namespace llmedit {

// Dotted key -> leaf, in key order. With `expand_arrays`, arrays of objects are walked with
// their index as a key part ("layers.2.r2", how per-layer results are stored); arrays of
// scalars, and every array without it, stay whole leaves.
nlohmann::json dotted_leaves(const nlohmann::json& value, bool expand_arrays = true);

// Only the numeric leaves of dotted_leaves (booleans are not numbers here).
nlohmann::json numeric_leaves(const nlohmann::json& value);

}  // namespace llmedit

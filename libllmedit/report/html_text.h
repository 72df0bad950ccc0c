// Text for HTML and SVG pages: escaping, and numbers as short readable text.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace llmedit {

// & < > " ' as entities: safe in element text and in quoted attributes.
std::string html_escape(const std::string& text);

// A JSON value as metrics.json writes it (numbers in their shortest exact form), strings bare.
std::string json_cell_text(const nlohmann::json& value);

// "%.*g": tick labels and compact table cells.
std::string short_number(double value, int significant = 4);

}  // namespace llmedit

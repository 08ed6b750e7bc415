#include "cli/dental_notation.h"

#include <cctype>
#include <charconv>
#include <vector>

namespace encuentro::cli {
namespace {

using Chart = v1::DentalChart;

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

std::string Trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool ParseState(const std::string& word, Chart::ToothState* state) {
  if (word == "present")
    *state = Chart::PRESENT;
  else if (word == "missing_am")
    *state = Chart::MISSING_ANTE_MORTEM;
  else if (word == "missing_pm")
    *state = Chart::MISSING_POST_MORTEM;
  else if (word == "unerupted")
    *state = Chart::UNERUPTED;
  else
    return false;
  return true;
}

bool ParseSurface(char letter, Chart::Surface* surface) {
  switch (std::toupper(static_cast<unsigned char>(letter))) {
    case 'M':
      *surface = Chart::MESIAL;
      return true;
    case 'O':
    case 'I':
      *surface = Chart::OCCLUSAL;
      return true;
    case 'D':
      *surface = Chart::DISTAL;
      return true;
    case 'B':
    case 'F':
      *surface = Chart::BUCCAL;
      return true;
    case 'L':
    case 'P':
      *surface = Chart::LINGUAL;
      return true;
    default:
      return false;
  }
}

absl::Status Bad(const std::string& entry, const std::string& why) {
  return absl::InvalidArgumentError("dental chart entry '" + entry + "': " + why);
}

}  // namespace

absl::Status ParseDentalNotation(const std::string& text, v1::DentalChart* chart) {
  for (std::string entry : Split(text, ';')) {
    entry = Trim(entry);
    if (entry.empty()) continue;
    const size_t colon = entry.find(':');
    if (colon == std::string::npos) return Bad(entry, "expected FDI:STATE");
    const std::string number = Trim(entry.substr(0, colon));
    int fdi = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), fdi);
    if (error != std::errc() || end != number.data() + number.size()) {
      return Bad(entry, "'" + number + "' is not a tooth number");
    }
    Chart::Tooth* tooth = chart->add_teeth();
    tooth->set_fdi(fdi);
    for (const std::string& raw : Split(entry.substr(colon + 1), '+')) {
      const std::string item = Lower(Trim(raw));
      Chart::ToothState state;
      if (ParseState(item, &state)) {
        tooth->set_state(state);
        continue;
      }
      const std::vector<std::string> parts = Split(item, '/');
      Chart::Restoration::Kind kind;
      if (!Chart::Restoration::Kind_Parse(Upper(parts[0]), &kind) ||
          kind == Chart::Restoration::KIND_UNSPECIFIED) {
        return Bad(entry, "'" + item + "' is neither a state nor a treatment");
      }
      Chart::Restoration* restoration = tooth->add_restorations();
      restoration->set_kind(kind);
      for (size_t i = 1; i < parts.size(); ++i) {
        Chart::Material material;
        if (Chart::Material_Parse(Upper(parts[i]), &material)) {
          restoration->set_material(material);
          continue;
        }
        for (char letter : parts[i]) {
          Chart::Surface surface;
          if (!ParseSurface(letter, &surface)) {
            return Bad(entry, "'" + parts[i] + "' is neither surfaces (MODBL) nor a material");
          }
          restoration->add_surfaces(surface);
        }
      }
    }
    if (tooth->state() == Chart::TOOTH_STATE_UNSPECIFIED) tooth->set_state(Chart::PRESENT);
  }
  return absl::OkStatus();
}

std::string FormatDentalNotation(const v1::DentalChart& chart) {
  static constexpr const char* kStates[] = {"", "present", "missing_am", "missing_pm", "unerupted"};
  static constexpr char kSurfaces[] = " MODBL";
  std::string text;
  for (const Chart::Tooth& tooth : chart.teeth()) {
    if (!text.empty()) text += "; ";
    text += std::to_string(tooth.fdi());
    text += ':';
    const int state = static_cast<int>(tooth.state());
    text += state >= 0 && state <= 4 ? kStates[state] : "?";
    for (const Chart::Restoration& r : tooth.restorations()) {
      // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "+" + std::string.
      text += '+';
      text += Lower(Chart::Restoration::Kind_Name(r.kind()));
      if (r.surfaces_size() > 0) {
        text += "/";
        for (int s : r.surfaces()) text += s >= 1 && s <= 5 ? kSurfaces[s] : '?';
      }
      if (r.material() != Chart::MATERIAL_UNSPECIFIED) {
        text += '/';
        text += Lower(Chart::Material_Name(r.material()));
      }
    }
  }
  return text;
}

}  // namespace encuentro::cli

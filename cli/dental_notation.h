// A compact text notation for dental charts, for the CLI and the bulk importer:
// "16:missing_am; 26:filling/MO/amalgam; 36:root_canal+crown; 11:present; 46:missing_am+implant".
// Each entry is an FDI tooth number, then its state and treatments joined by '+': a state word
// (present, missing_am, missing_pm, unerupted; present when only treatments are given) or a
// treatment KIND[/SURFACES][/MATERIAL] with KIND filling, crown, root_canal, bridge, implant or
// prosthesis, SURFACES letters M, O (or I), D, B (or F), L (or P), and MATERIAL amalgam,
// composite, ceramic, gold, other_metal, glass_ionomer, temporary or other_material.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "encuentro/v1/dental.pb.h"

namespace encuentro::cli {

// Appends the teeth `text` describes to `chart`; INVALID_ARGUMENT naming the entry at fault.
absl::Status ParseDentalNotation(const std::string& text, v1::DentalChart* chart);
// The chart's teeth in the same notation, one entry per tooth.
std::string FormatDentalNotation(const v1::DentalChart& chart);

}  // namespace encuentro::cli

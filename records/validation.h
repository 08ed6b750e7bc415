// Field-by-field validation of case records, reporting every problem at once with the field's
// API path, before anything is written.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "common/field_violations.h"
#include "common/text.h"
#include "records/model.h"

namespace encuentro::records {

// `today` bounds dates: nothing can be last seen, born or found in the future.
std::vector<FieldViolation> ValidateMissingPerson(const MissingPerson& person, Date today);
std::vector<FieldViolation> ValidateRemains(const UnidentifiedRemains& remains, Date today);
std::vector<FieldViolation> ValidateMark(const DistinguishingMark& mark);
std::vector<FieldViolation> ValidateEffect(const PersonalEffect& effect);
// Why a record, a photo or a part of a record is withdrawn (soft-deleted): valid UTF-8 with a
// visible character, at most kMaxLongText bytes. `what` names it in the message ("the mark").
absl::Status ValidateWithdrawalReason(const std::string& reason, const std::string& what);
// `kind` is the owning record's: only remains can have lost teeth after death.
std::vector<FieldViolation> ValidateDentalChart(const DentalChart& chart, RecordKind kind,
                                                Date today);
// A family reference sample (on a missing person) names its donor and their relationship; a
// post-mortem sample (on remains) names the element sampled.
std::vector<FieldViolation> ValidateDnaSample(const DnaSample& sample, Date today);
// FDI tooth numbers: 11-18, 21-28, 31-38, 41-48 (permanent), 51-55 ... 81-85 (deciduous).
bool IsFdiTooth(int fdi);

// Bounds shared with import tools and documented in the README.
inline constexpr double kMinHeightCm = 40;
inline constexpr double kMaxHeightCm = 250;
inline constexpr double kMaxAgeYears = 120;
inline constexpr size_t kMaxAliases = 20;
inline constexpr size_t kMaxMarkKeywords = 20;

}  // namespace encuentro::records

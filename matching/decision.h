// A reviewer's decision on a (remains, missing person) pair: the state of an investigative lead.
// Decisions are appended, never overwritten; the latest is the pair's state. Identification
// itself is confirmed only by primary identifiers (DNA, fingerprints, dental) and a board.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "records/model.h"

namespace encuentro::matching {

// kIdentified is reached only through a confirmed identification (records::Identification).
enum class Decision { kPending, kExcluded, kPossible, kSentForDna, kIdentified };

// One decision on a pair, with who made it and why.
struct DecisionRecord {
  int64_t id = 0;
  int64_t remains_id = 0;
  int64_t missing_person_id = 0;
  Decision decision = Decision::kPending;
  std::string reason;
  std::string principal;
  std::string organization;
  records::Timestamp create_time;
  // A lead raised automatically (by cross-matching, or for another commission by a search): the
  // posterior and combined log10 LR it was raised with, by which the review queue sorts.
  std::optional<double> lead_posterior;
  std::optional<double> lead_log10_lr;
  // Read only: the lab that holds the remains, by which the review queue filters.
  std::string remains_lab;
};

}  // namespace encuentro::matching

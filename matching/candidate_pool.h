// Every live missing person (status missing or located deceased, not deleted) as matching
// compares them, in memory, so that a search scores all of them without reading them from
// PostgreSQL. Derived state, like the gallery: loaded from the database at start-up and kept in
// step by the records module after each commit (see MatchingStateSync).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "records/model.h"
#include "storage/match_store.h"

namespace encuentro::matching {

// What of a missing person the evidence compares: id, organization, status, sex, birth date,
// age at disappearance, last sighting and place, reported height, each mark's kind, place and
// keywords, and the dental chart's teeth. Names, folios and descriptions are left out; a search
// reads them only for the candidates it returns.
records::MissingPerson MatchProfileOf(const records::MissingPerson& person);

// Thread-safe: scans share a lock, changes take it alone.
class CandidatePool {
 public:
  static absl::StatusOr<std::unique_ptr<CandidatePool>> Load(storage::MatchStore& store);
  CandidatePool() = default;

  // The person as committed: kept while live, dropped otherwise.
  void Update(const records::MissingPerson& person);
  void Remove(int64_t id);
  // Everyone at once, as LoadCandidateProfiles gives them (catching up after missed changes).
  void ReplaceAll(std::vector<records::MissingPerson> profiles);
  size_t size() const;
  // Calls `visit` for every live person of part `part` of `parts` equal slices (a scan split
  // over threads), in no particular order (rankings break ties by id), under the shared lock:
  // keep it short of I/O.
  void ForEachPart(size_t part, size_t parts,
                   const std::function<void(const records::MissingPerson&)>& visit) const;

 private:
  // A flat array scans fast; `index_` finds a person's slot for changes. Guarded by mu_.
  mutable std::shared_mutex mu_;
  std::vector<records::MissingPerson> people_;
  std::unordered_map<int64_t, size_t> index_;
};

}  // namespace encuentro::matching

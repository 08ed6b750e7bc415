// Partial updates (AIP-134): copies the fields named by an update mask from a patch onto a
// stored record. Names are the API's field names; output-only fields cannot be named.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "records/model.h"

namespace encuentro::records {

// "*" means every mutable field. INVALID_ARGUMENT (field "update_mask") for an unknown, empty or
// output-only name; nothing is copied then.
absl::Status ApplyUpdateMask(const MissingPerson& patch, const std::vector<std::string>& paths,
                             MissingPerson& target);
absl::Status ApplyUpdateMask(const UnidentifiedRemains& patch,
                             const std::vector<std::string>& paths, UnidentifiedRemains& target);
absl::Status ApplyUpdateMask(const DistinguishingMark& patch, const std::vector<std::string>& paths,
                             DistinguishingMark& target);
absl::Status ApplyUpdateMask(const DentalChart& patch, const std::vector<std::string>& paths,
                             DentalChart& target);
absl::Status ApplyUpdateMask(const PersonalEffect& patch, const std::vector<std::string>& paths,
                             PersonalEffect& target);
absl::Status ApplyUpdateMask(const DnaSample& patch, const std::vector<std::string>& paths,
                             DnaSample& target);

}  // namespace encuentro::records

// Told about the changes that matching's derived state (the face gallery and the candidate pool)
// follows, after they commit, so that it never shows what a rolled-back transaction wrote.
#pragma once

#include <cstdint>

#include "records/model.h"

namespace encuentro::records {

// Implementations must be thread-safe: calls come from concurrent RPCs.
class MatchingObserver {
 public:
  virtual ~MatchingObserver() = default;
  // A photo with a template now belongs to a live record. `photo` is as stored, with its
  // descriptor.
  virtual void TemplateAdded(const Photo& photo) = 0;
  // A photo's template left matching (the photo was deleted).
  virtual void TemplateRemoved(RecordKind owner_kind, int64_t owner_id, int64_t photo_id) = 0;
  // A record was deleted: all its templates left matching.
  virtual void RecordRemoved(RecordKind kind, int64_t id) = 0;
  // A missing person was created or changed; `person` is as stored (it may no longer be sought).
  virtual void MissingPersonCommitted(const MissingPerson& person) = 0;
};

}  // namespace encuentro::records

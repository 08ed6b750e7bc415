// Told about face-template changes after they commit, so that derived state (the matching
// gallery) follows the database and never shows what a rolled-back transaction wrote.
#pragma once

#include <cstdint>

#include "records/model.h"

namespace encuentro::records {

// Implementations must be thread-safe: calls come from concurrent RPCs.
class TemplateObserver {
 public:
  virtual ~TemplateObserver() = default;
  // A photo with a template now belongs to a live record.
  // `photo` is as stored, with its descriptor.
  virtual void TemplateAdded(const Photo& photo) = 0;
  // A photo's template left matching (the photo was deleted).
  virtual void TemplateRemoved(RecordKind owner_kind, int64_t photo_id) = 0;
  // A record was deleted: all its templates left matching.
  virtual void RecordRemoved(RecordKind kind, int64_t id) = 0;
};

}  // namespace encuentro::records

# The five aligned face chips that tests/biometrics/data holds and the descriptor benchmarks
# time: a large sharp face, one of a group photo, a small upscaled face and two of face-api's
# demo photos. Source it; dump_reference_chips BUILD_DIR OUT_DIR writes chip_<k>.png and .ppm.
dump_reference_chips() {
  local build=$1 out=$2
  local dumper="${build}/biometrics/face_model/encuentro_dump_face_chips"
  [ -x "${dumper}" ] || { echo "${dumper} missing: build encuentro_dump_face_chips" >&2; return 1; }
  [ -f "${build}/face-api/face_recognition_model.bin" ] ||
    { echo "build the encuentro_face_models target first" >&2; return 1; }
  local faces=/usr/share/doc/libdlib19.1/examples/faces demo="${build}/face-api/demo"
  "${dumper}" "${build}/models" "${out}" \
    "${faces}/Tom_Cruise_avp_2014_4.jpg:0" "${faces}/bald_guys.jpg:0" "${faces}/2008_002079.jpg:1" \
    "${demo}/sample2.jpg:0" "${demo}/sample6.jpg:2"
}

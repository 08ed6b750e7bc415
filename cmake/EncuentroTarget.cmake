# Compile settings shared by every Encuentro target: warnings on for our code only.
function(encuentro_target_defaults target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2
    # C++20 designated initializers leave members at their defaults on purpose.
    -Wno-missing-field-initializers)
  if(ENCUENTRO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(ENCUENTRO_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()

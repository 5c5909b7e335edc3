// Declarations only (include/patrol_sqlite.h); SwiftPM wants a C target to have a source file.
#include "patrol_sqlite.h"

#include "CFulcrumSys.h"
int fulcrum_placeholder(void) { return 0; }

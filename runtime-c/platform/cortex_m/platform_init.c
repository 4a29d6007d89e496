/* onnx2mcu runtime: bare-metal platform set-up. The reset handler already did the hardware
 * part (FPU, fault enables, memory); what is left is opening the console early so that its
 * semihosting round-trip never lands inside a measured region. */
#include "onnx2mcu/platform.h"

void o2m_platform_init(void) {
  o2m_print("");
}

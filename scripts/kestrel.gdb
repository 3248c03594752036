# gdb setup for `just gdb`: attach to QEMU's gdb stub and end the machine on quit.
set confirm off
target remote :1234
define hook-quit
  kill
end

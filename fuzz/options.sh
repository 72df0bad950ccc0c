# Sourced by replay.sh and scripts/fuzz.sh: the libFuzzer options of each target. Inputs are
# capped in size (the fixtures reach 1 MiB; the parsers' logic is reached with far less, and
# smaller inputs mutate hundreds of times faster), except safetensors, whose seeds need their data.
fuzz_options() {
  local target=$1 dir=$2
  local options=(-timeout=10 -rss_limit_mb=4096)
  case $target in
    safetensors) ;;
    tokenizer) options+=(-max_len=65536) ;;
    *) options+=(-max_len=16384) ;;
  esac
  [ -f "$dir/dicts/$target.dict" ] && options+=(-dict="$dir/dicts/$target.dict")
  echo "${options[@]}"
}

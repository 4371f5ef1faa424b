"""月度考核: schemes, indicators, computing a month, periods, appeals and adjustments."""

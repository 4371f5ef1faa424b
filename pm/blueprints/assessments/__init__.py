"""月度考核: schemes, periods, scores with their lines, appeals, adjustments, bonus and veto events."""

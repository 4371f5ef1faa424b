"""月度考核结果: bulletins, rankings, trends, the ladder, year-end results, what-if."""

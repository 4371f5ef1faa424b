"""历史工单导入: a file of a compound's historical repair requests, checked (预演) then committed by its id."""

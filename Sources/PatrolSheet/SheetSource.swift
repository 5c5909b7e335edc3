/// What a table was read from, for a preview to tell the user ("工作表 附件1", "按 GBK 编码读取").
public enum SheetSource: Hashable, Sendable {
    case workbook(sheetName: String)
    case csv(encoding: TextEncoding)
}

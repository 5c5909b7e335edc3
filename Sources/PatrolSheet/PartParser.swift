import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The SAX base for every xlsx part: element names without their namespace prefix, attributes by
/// local name, and a way for a subclass to stop the parse with a `SheetError`.
///
/// Subclasses override the three element callbacks declared here; on Linux a delegate method that the
/// base class does not itself declare is never called, since there is no Objective-C dispatch.
class PartParser: NSObject, XMLParserDelegate {
    let entry: String
    private(set) var failure: SheetError?
    private weak var parser: XMLParser?

    init(entry: String) {
        self.entry = entry
    }

    /// Parses `data`, throwing the first failure a subclass reported or the parser's own.
    func parse(_ data: Data) throws(SheetError) {
        // OOXML parts never declare a DTD; refusing one closes the door on entity expansion.
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw .unsafeXML(entry: entry)
        }
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = self
        self.parser = parser
        let finished = parser.parse()
        if let failure { throw failure }
        // FoundationXML on Linux parses in libxml2's recovery mode and may report success after an
        // error; the error itself is what counts.
        guard finished, parser.parserError == nil else {
            throw .badXML(entry: entry, line: parser.lineNumber, column: parser.columnNumber)
        }
    }

    func fail(_ error: SheetError) {
        guard failure == nil else { return }
        failure = error
        parser?.abortParsing()
    }

    var line: Int { parser?.lineNumber ?? 0 }

    func didStart(_ name: Substring, attributes: [String: String]) {}
    func didEnd(_ name: Substring) {}
    func foundText(_ text: String) {}

    static func localName(_ qualified: String) -> Substring {
        guard let colon = qualified.lastIndex(of: ":") else { return qualified[...] }
        return qualified[qualified.index(after: colon)...]
    }

    /// The attribute named `local`, with or without a prefix (`r:id`, `id`).
    static func attribute(_ local: String, in attributes: [String: String]) -> String? {
        if let value = attributes[local] { return value }
        return attributes.first { localName($0.key) == local }?.value
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        guard failure == nil else { return }
        didStart(Self.localName(elementName), attributes: attributeDict)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?) {
        guard failure == nil else { return }
        didEnd(Self.localName(elementName))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard failure == nil else { return }
        foundText(string)
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        fail(.badXML(entry: entry, line: parser.lineNumber, column: parser.columnNumber))
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard failure == nil else { return }
        foundText(String(decoding: CDATABlock, as: UTF8.self))
    }
}

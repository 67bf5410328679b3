"""Python-Markdown's inline treeprocessor, rewritten so its work grows linearly with the text.

markdown.treeprocessors.InlineProcessor is quadratic in three places on a long paragraph
(`'*a* ' * 40000`: 18 s): it finds each child's position with list(parent).index(child) and
inserts new children one at a time (each O(children)); it appends text to .text/.tail with
`+=` on an attribute (a copy of the whole text each time); and after every match it rebuilds
the paragraph's whole string. Its helpers are name-mangled (__handleInline...), so a subclass
cannot replace one of them alone: the class is copied here (Python-Markdown 3.11) with those
spots changed and marked `# linear:`. The tree it builds, and so the HTML, is the same,
except past MAX_MATCHES (below).

The string rebuild cannot be avoided without changing what the patterns see (they read the
placeholder left by the previous match), so it is bounded instead: one text (a paragraph, a
cell, a list item) takes at most MAX_MATCHES inline elements; past that the rest of it is kept
as plain text. No article comes near it (a long paragraph has a few dozen links and emphases);
a body made of 40,000 `*a*` in one paragraph renders its first MAX_MATCHES and stays bounded.
"""

import xml.etree.ElementTree as etree

from markdown import inlinepatterns, util
from markdown.extensions import Extension
from markdown.treeprocessors import InlineProcessor

# Each match copies the text once; 2,000 copies of a 200,000-character text stay well under a
# second, and a real paragraph has a few dozen inline elements.
MAX_MATCHES = 2000


class LinearInlineProcessor(InlineProcessor):
    def __init__(self, md):
        super().__init__(md)
        self._prefix = util.INLINE_PLACEHOLDER_PREFIX
        self._placeholder_re = util.INLINE_PLACEHOLDER_RE

    def _make_placeholder(self):
        id = f"{len(self.stashed_nodes):04d}"
        return util.INLINE_PLACEHOLDER % id, id

    def _find_placeholder(self, data, index):
        m = self._placeholder_re.search(data, index)
        if m:
            return m.group(1), m.end()
        return None, index + 1

    def _stash_node(self, node):
        placeholder, id = self._make_placeholder()
        self.stashed_nodes[id] = node
        return placeholder

    def _handle_inline(self, data, patternIndex=0):
        if not isinstance(data, util.AtomicString):
            startIndex = 0
            count = len(self.inlinePatterns)
            budget = [MAX_MATCHES]  # linear: matches this text may still take
            while patternIndex < count:
                data, matched, startIndex = self._apply_pattern(
                    self.inlinePatterns[patternIndex], data, patternIndex, startIndex, budget
                )
                if not matched:
                    patternIndex += 1
        return data

    def _process_element_text(self, node, subnode, isText=True):
        """The new elements for subnode's text or tail (the caller inserts them)."""
        if isText:
            text = subnode.text
            subnode.text = None
        else:
            text = subnode.tail
            subnode.tail = None
        return [item[0] for item in self._process_placeholders(text, subnode, isText)]

    def _process_placeholders(self, data, parent, isText=True):
        result = []
        # linear: text is gathered in a list per target and joined once (see flush).
        pending = []

        def target():
            if result:
                return result[-1][0], "tail"
            return parent, ("tail" if not isText else "text")

        def flush():
            if pending:
                element, attribute = target()
                old = getattr(element, attribute)
                # One piece keeps its type (an AtomicString stays atomic), as `=` did.
                joined = pending[0] if len(pending) == 1 else "".join(pending)
                setattr(element, attribute, old + joined if old else joined)
                pending.clear()

        def linkText(text):
            if text:
                pending.append(text)

        strartIndex = 0
        while data:
            index = data.find(self._prefix, strartIndex)
            if index != -1:
                id, phEndIndex = self._find_placeholder(data, index)

                if id in self.stashed_nodes:
                    node = self.stashed_nodes.get(id)

                    if index > 0:
                        linkText(data[strartIndex:index])

                    if not isinstance(node, str):  # it's Element
                        # linear: new children are collected and set in one assignment,
                        # in the order the original's insert(index(child) + 1) gives.
                        children = list(node)
                        front, after = [], {}
                        for child in [node, *children]:
                            if child.tail and child.tail.strip():
                                new = self._process_element_text(node, child, False)
                                if child is node:
                                    front[0:0] = new
                                else:
                                    after[child] = new
                            if child.text and child.text.strip():
                                new = self._process_element_text(child, child)
                                if child is node:
                                    front[0:0] = new
                                else:
                                    child[0:0] = new
                        if front or after:
                            rebuilt = list(front)
                            for child in children:
                                rebuilt.append(child)
                                rebuilt.extend(after.get(child, ()))
                            node[:] = rebuilt
                    else:  # it's just a string
                        linkText(node)
                        strartIndex = phEndIndex
                        continue

                    strartIndex = phEndIndex
                    flush()
                    result.append((node, self.ancestors[:]))

                else:  # wrong placeholder
                    end = index + len(self._prefix)
                    linkText(data[strartIndex:end])
                    strartIndex = end
            else:
                text = data[strartIndex:]
                if isinstance(data, util.AtomicString):
                    text = util.AtomicString(text)
                linkText(text)
                data = ""
        flush()
        return result

    def _apply_pattern(self, pattern, data, patternIndex, startIndex, budget):
        for exclude in pattern.ANCESTOR_EXCLUDES:
            if exclude.lower() in self.ancestors:
                return data, False, 0
        if budget[0] <= 0:
            return data, False, 0  # linear: MAX_MATCHES reached, the rest stays text
        if not isinstance(pattern, inlinepatterns.InlineProcessor):
            return super()._InlineProcessor__applyPattern(pattern, data, patternIndex, startIndex)

        match = None
        for match in pattern.getCompiledRegExp().finditer(data, startIndex):
            node, start, end = pattern.handleMatch(match, data)
            if start is None or end is None:
                startIndex += match.end(0)
                match = None
                continue
            break
        if not match:
            return data, False, 0
        if node is None:
            return data, True, end
        budget[0] -= 1

        # (The original also tests isString(node) here, always false for an element.)
        if not isinstance(node, str) and not isinstance(node.text, util.AtomicString):
            for child in [node, *node]:
                if child.text:
                    self.ancestors.append(child.tag.lower())
                    child.text = self._handle_inline(child.text, patternIndex + 1)
                    self.ancestors.pop()
                if child.tail:
                    child.tail = self._handle_inline(child.tail, patternIndex)

        placeholder = self._stash_node(node)
        return (
            f"{data[:start]}{placeholder}{data[end:]}",
            True,
            start + len(placeholder),
        )

    def run(self, tree, ancestors=None):
        self.stashed_nodes = {}
        tree_parents = [] if ancestors is None else ancestors[:]
        self.parent_map = {c: p for p in tree.iter() for c in p}
        # linear: a deque-like index instead of stack.pop(0).
        stack = [(tree, tree_parents)]
        self._InlineProcessor__build_ancestors(tree, tree_parents)

        done = 0
        while done < len(stack):
            currElement, parents = stack[done]
            stack[done] = None
            done += 1

            self.ancestors = parents
            if currElement is not tree:
                self.ancestors.append(currElement.tag.lower())

            insertQueue = []
            # linear: the original iterates currElement while inserting each tail's elements
            # right after their child (so they are visited next); `todo` does the same and
            # the children are set once at the end.
            todo = list(currElement)
            todo.reverse()
            rebuilt = []
            changed = False
            while todo:
                child = todo.pop()
                rebuilt.append(child)
                if child.text and not isinstance(child.text, util.AtomicString):
                    self.ancestors.append(child.tag.lower())
                    text = child.text
                    child.text = None
                    lst = self._process_placeholders(self._handle_inline(text), child)
                    for item in lst:
                        self.parent_map[item[0]] = child
                    stack += lst
                    insertQueue.append((child, lst))
                    self.ancestors.pop()
                if child.tail:
                    tail = self._handle_inline(child.tail)
                    dumby = etree.Element("d")
                    child.tail = None
                    tailResult = self._process_placeholders(tail, dumby, False)
                    if dumby.tail:
                        child.tail = dumby.tail
                    for newChild in reversed(tailResult):
                        self.parent_map[newChild[0]] = currElement
                        todo.append(newChild[0])
                        changed = True
                if len(child):
                    self.parent_map[child] = currElement
                    stack.append((child, self.ancestors[:]))
            if changed:
                currElement[:] = rebuilt

            for element, lst in insertQueue:
                if lst:
                    element[0:0] = [obj[0] for obj in lst]
        return tree


class LinearInlineExtension(Extension):
    """Put LinearInlineProcessor where Python-Markdown registers its own ("inline", 20)."""

    def extendMarkdown(self, md):
        md.treeprocessors.register(LinearInlineProcessor(md), "inline", 20)

// Gradio strings that bypass its translations (hard-coded English): toast titles and some buttons' tooltips
// and labels. Replaced as they appear, so the page reads Chinese throughout. Run by Gradio on page load.
() => {
  const WORDS = {
    "Warning": "提示", "Info": "提示", "Error": "错误", "Success": "完成",
    "Copy table data": "复制表格", "Copied to clipboard": "已复制", "Fullscreen": "全屏", "Exit fullscreen mode": "退出全屏",
    "Click to upload or drop files": "点击上传或拖放文件", "Close": "关闭", "Empty value": "空",
    "Table actions": "表格操作", "chatbot conversation": "对话", "Gradio footer navigation": "页脚导航",
    "Liked": "已赞", "Disliked": "已踩",
  };
  // The status tracker's own text while an event waits or runs ("queue: 1/2 |", "processing |").
  const STATUS = [[/^(\s*)queue: (\d+\/\d* \|)/, "$1排队 $2"], [/^(\s*)processing \|/, "$1处理中 |"]];
  const ATTRIBUTES = ["title", "aria-label"];
  const translate = (root) => {
    for (const title of root.querySelectorAll(".toast-title, .toast-title span")) {
      for (const node of title.childNodes) {
        const text = node.nodeType === Node.TEXT_NODE && node.textContent.trim();
        if (text && WORDS[text]) node.textContent = node.textContent.replace(text, WORDS[text]);
      }
    }
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const chinese = STATUS.reduce((text, [english, replacement]) => text.replace(english, replacement), node.textContent);
      if (chinese !== node.textContent) node.textContent = chinese;
    }
    for (const name of ATTRIBUTES) {
      for (const element of root.querySelectorAll(`[${name}]`)) {
        const chinese = WORDS[element.getAttribute(name)];
        if (chinese) element.setAttribute(name, chinese);
      }
    }
  };
  translate(document.body);
  new MutationObserver((changes) => {
    for (const change of changes) {
      const target = change.target.nodeType === Node.ELEMENT_NODE ? change.target : change.target.parentElement;
      if (target) translate(target.parentElement || target);
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ATTRIBUTES });
}

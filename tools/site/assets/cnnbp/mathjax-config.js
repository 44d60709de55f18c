// MathJax 3 configuration for the offline site: the delimiters JupyterLab uses, and errors shown
// as errors (noerrors/noundefined would print bad TeX as plain text, hiding it from the test).
window.MathJax = {
  tex: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
    packages: { "[-]": ["noerrors", "noundefined"] },
  },
  svg: { fontCache: "global" },
  startup: {
    ready: function () {
      MathJax.startup.defaultReady();
      // ipywidgets still calls the MathJax 2 API, MathJax.Hub.Queue(["Typeset", MathJax.Hub, el]);
      // map it onto MathJax 3's typesetPromise, one call after another.
      MathJax.Hub = {
        Queue: function () {
          Array.prototype.forEach.call(arguments, function (call) {
            if (Array.isArray(call) && call[0] === "Typeset") {
              var elements = call[2] ? [call[2]] : undefined;
              MathJax.startup.promise = MathJax.startup.promise.then(function () {
                return MathJax.typesetPromise(elements);
              });
            }
          });
        },
      };
    },
  },
};
